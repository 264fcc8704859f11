"""``manage.py demo_logins``: the demo users, their password and, for staff, the TOTP
secret and the code an authenticator app shows right now."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shebao.accounts.rules import totp
from shebao.accounts.rules.permissions import UserKind
from shebao.register.management.commands.seed_demo import (
    DEMO_OTHERS,
    DEMO_PASSWORD,
    DEMO_STAFF,
    DEMO_TOTP_SECRET,
    demo_citizen_person,
    demo_users,
)
from shebao.register.models import Person


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


class Command(BaseCommand):
    help = "Print the demo logins (role, username, password, notes) created by seed_demo."

    def handle(self, *args, **opts):
        now = time.time()
        code = totp.code_at(DEMO_TOTP_SECRET, timestamp=now)
        seconds_left = totp.STEP_SECONDS - int(now) % totp.STEP_SECONDS
        present = {u.username: u for u in demo_users()}
        rows: list[tuple[str, str, str, str]] = []
        for spec in DEMO_STAFF + DEMO_OTHERS:
            user = present.get(spec.username)
            role = f"{spec.role_zh} {spec.role_en}"
            if user is None:
                rows.append((role, spec.username, "-", "未创建 not created: run manage.py seed_demo"))
                continue
            if spec.kind == UserKind.STAFF:
                posts = ", ".join(f"{p}@{r}" for p, r in user.posts.values_list("post", "region_code"))
                notes = f"{posts}; TOTP {DEMO_TOTP_SECRET} now {code} ({seconds_left}s)"
            elif spec.kind == UserKind.EMPLOYER:
                notes = f"employer #{user.employer_id} in {user.region_code}"
            elif spec.kind == UserKind.AGENT:
                notes = f"community in {user.region_code}"
            else:
                notes = user.department
            rows.append((role, user.username, DEMO_PASSWORD, notes))
        person = demo_citizen_person()
        citizen = next((u for u in present.values() if u.kind == UserKind.CITIZEN), None)
        if person is not None and citizen is not None:
            rows.append(
                (
                    "参保人 citizen",
                    citizen.username,
                    DEMO_PASSWORD,
                    f"{person.name}; or log in with ID number {person.id_number}",
                )
            )
        else:
            rows.append(("参保人 citizen", "-", "-", "未创建 not created: run manage.py seed_demo"))
        # Citizens the other demo seeds add (seed_retiree: about to retire, for the pension path).
        others = (
            get_user_model()
            .objects.filter(kind=UserKind.CITIZEN)
            .exclude(person_id=getattr(person, "pk", None))
        )
        for other in others.order_by("pk")[:5]:
            record = Person.objects.filter(pk=other.person_id).first()
            number = record.id_number if record is not None else "?"
            rows.append(("参保人 citizen", other.username, DEMO_PASSWORD,
                         f"{other.full_name}; or log in with ID number {number}"))  # fmt: skip
        header = ("role", "username", "password", "notes")
        widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(3)]
        lines = [
            " ".join(_pad(cell, widths[i]) for i, cell in enumerate(row[:3])) + " " + row[3]
            for row in [header, *rows]
        ]
        lines.insert(1, "-" * (sum(widths) + 3 + 40))
        self.stdout.write("\n".join(lines))
        self.stdout.write(
            "\n演示账户仅供本地演示 Demo accounts are for a local demonstration only. Staff log in with the "
            "password, then the 6-digit code (add the TOTP secret to an authenticator app, or use the code above)."
        )
