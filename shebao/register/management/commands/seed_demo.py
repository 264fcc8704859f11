"""``manage.py seed_demo``: a synthetic but valid city in the register, and demo logins.

    manage.py seed_demo --persons 1000000 --employers 20000 [--if-empty | --append] [--seed 2026]

Refuses to add to a register that already has employers or persons unless
``--append`` is given; ``--if-empty`` turns that refusal into a quiet no-op (``make
seed``). The rows are written set-based by ``shebao.register.bulk`` (ADR 0007); the
demo users go through the accounts services and then get the fixed demo password
(``manage.py demo_logins`` prints them). One audit entry ``demo.seed`` records the batch.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from shebao.accounts import selectors as account_selectors
from shebao.accounts import services as account_services
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Post, UserKind, region_covers
from shebao.kernel.audit import audit_context, audit_record
from shebao.register import bulk
from shebao.register.models import Employer, Employment, Person
from shebao.register.rules.codes import EmployerStatus, EmploymentKind, LifeStatus

# Demo credentials: for a local demonstration only, printed by `manage.py demo_logins`.
DEMO_PASSWORD = "Shebao-demo-2026"  # noqa: S105 - a published demo password
DEMO_TOTP_SECRET = "SHEBAODEMOSTAFFTOTPKEYXYZ234567A"  # noqa: S105 - base32, published on purpose
DEMO_PARTNER_DEPARTMENT = "北京市医疗保障局"


@dataclass(frozen=True)
class DemoUser:
    username: str  # the citizen's is generated from the person id: see demo_citizen_person()
    kind: UserKind
    role_zh: str
    role_en: str
    full_name: str
    post: Post | None = None
    district: bool = False  # scoped to a district (else the whole city)


DEMO_STAFF = (
    DemoUser(
        "demo.front_desk",
        UserKind.STAFF,
        "窗口受理",
        "front desk",
        "演示窗口",
        Post.FRONT_DESK,
        district=True,
    ),
    DemoUser("demo.reviewer", UserKind.STAFF, "审核", "reviewer", "演示审核", Post.REVIEWER),
    DemoUser("demo.auditor", UserKind.STAFF, "稽核", "auditor", "演示稽核", Post.AUDITOR),
    DemoUser("demo.fund", UserKind.STAFF, "基金财务", "fund accountant", "演示财务", Post.FUND_ACCOUNTANT),
    DemoUser("demo.admin", UserKind.STAFF, "系统管理", "administrator", "演示管理员", Post.ADMIN),
)
DEMO_OTHERS = (
    DemoUser("demo.employer", UserKind.EMPLOYER, "单位经办人", "employer operator", "演示单位经办人"),
    DemoUser("demo.agent", UserKind.AGENT, "社区代办员", "community agent", "演示代办员", district=True),
    DemoUser("demo.partner", UserKind.PARTNER, "部门用户", "partner department", "演示部门用户"),
)
PREFERRED_DISTRICT = "110105"  # 朝阳区, when the city is Beijing


def demo_district(city_code: str) -> str:
    """The district the district-scoped demo users work in."""
    codes = [d.code for d in bulk.city_map(city_code).districts]
    return PREFERRED_DISTRICT if PREFERRED_DISTRICT in codes else codes[0]


def demo_citizen_person() -> Person | None:
    """The person the demo citizen account belongs to: the first employee (lowest id)
    of an active employer, in the demo district when there is one."""
    jobs = Employment.objects.filter(
        kind=EmploymentKind.EMPLOYEE,
        end_date__isnull=True,
        is_primary=True,
        employer__status=EmployerStatus.ACTIVE,
        person__life_status=LifeStatus.EMPLOYED,
        person__id_type="resident",
    ).order_by("person_id")
    district = demo_district(settings.SHEBAO_CITY_CODE)
    job = jobs.filter(person__region_code=district).first() or jobs.first()
    return job.person if job else None


def demo_citizen_employer(person: Person) -> Employer | None:
    job = Employment.objects.filter(
        person=person, end_date__isnull=True, kind=EmploymentKind.EMPLOYEE
    ).first()
    return job.employer if job else None


def _admin_actor(city_code: str):
    """The demo administrator, bootstrapped through the accounts service when no
    administrator exists yet; otherwise created by an existing city administrator."""
    User = get_user_model()
    admin = User.objects.filter(username="demo.admin").first()
    if admin is not None:
        return admin
    try:
        admin, _ = account_services.staff_bootstrap_admin(
            username="demo.admin", full_name="演示管理员", region_code=city_code
        )
        return admin
    except AccountError as exc:
        if exc.code != "admin_exists":
            raise
    actor = (
        User.objects.filter(is_active=True, posts__post=Post.ADMIN, posts__region_code=city_code)
        .order_by("pk")
        .first()
    )
    if actor is None:
        raise CommandError(
            "an administrator exists but none covers the whole city: create demo.admin by hand"
        )
    admin, _ = account_services.staff_create(
        actor=actor, username="demo.admin", full_name="演示管理员", posts=[(Post.ADMIN, city_code)]
    )
    return admin


def demo_users_create(*, city_code: str) -> list[str]:
    """Create the demo users that do not exist yet, through the accounts services
    (which audit each creation). Returns the usernames of all demo users present.
    Their demo credentials are set by ``demo_credentials_set``."""
    User = get_user_model()
    district = demo_district(city_code)
    admin = _admin_actor(city_code)
    for spec in DEMO_STAFF:
        if spec.post is Post.ADMIN or User.objects.filter(username=spec.username).exists():
            continue
        region = district if spec.district else city_code
        account_services.staff_create(
            actor=admin, username=spec.username, full_name=spec.full_name, posts=[(spec.post, region)]
        )
    person = demo_citizen_person()
    employer = demo_citizen_employer(person) if person else None
    if person is not None and not User.objects.filter(kind=UserKind.CITIZEN, person_id=person.pk).exists():
        account_services.citizen_account_create(
            actor=admin,
            person_id=person.pk,
            id_number=person.id_number,
            full_name=person.name,
            region_code=person.region_code,
        )
    if employer is not None and not User.objects.filter(username="demo.employer").exists():
        account_services.employer_operator_create(
            actor=admin,
            employer_id=employer.pk,
            employer_region_code=employer.region_code,
            username="demo.employer",
            full_name="演示单位经办人",
        )
    if not User.objects.filter(username="demo.agent").exists():
        account_services.agent_create(
            actor=admin, username="demo.agent", full_name="演示代办员", region_code=district
        )
    demo_mandate_create(person=person)
    if not User.objects.filter(username="demo.partner").exists():
        account_services.partner_user_create(
            actor=admin, username="demo.partner", department=DEMO_PARTNER_DEPARTMENT, full_name="演示部门用户"
        )
    return [u.username for u in demo_users()]


def demo_mandate_create(*, person: Person | None) -> None:
    """委托代办 demo: the demo citizen authorises demo.agent (all items, one year) online,
    when the agent serves the citizen's district and holds no mandate from them yet."""
    User = get_user_model()
    agent = User.objects.filter(username="demo.agent", kind=UserKind.AGENT).first()
    citizen = User.objects.filter(kind=UserKind.CITIZEN, person_id=person.pk).first() if person else None
    if agent is None or citizen is None or account_selectors.mandates_for_agent(agent.pk):
        return
    if not region_covers(agent.region_code, person.region_code):
        return
    account_services.mandate_grant(
        actor=citizen,
        agent_id=agent.pk,
        person_id=person.pk,
        item_codes=None,
        valid_until=timezone.localdate() + dt.timedelta(days=365),
        evidence="",
    )


def demo_users() -> list:
    """The demo users present, staff first, then the others and the citizen."""
    User = get_user_model()
    names = [s.username for s in DEMO_STAFF + DEMO_OTHERS]
    found = {u.username: u for u in User.objects.filter(username__in=names)}
    users = [found[n] for n in names if n in found]
    person = demo_citizen_person()
    if person is not None:
        citizen = User.objects.filter(kind=UserKind.CITIZEN, person_id=person.pk).first()
        if citizen is not None:
            users.append(citizen)
    return users


def demo_credentials_set(users) -> None:
    """Demo convenience: the fixed password, no forced change, and for staff the fixed
    TOTP secret already confirmed. Call inside the transaction that audits it."""
    hashed = make_password(DEMO_PASSWORD)  # once: Argon2 is slow on purpose
    for user in users:
        user.password = hashed
        user.must_change_password = False
        user.failed_logins = 0
        user.locked_until = None
        fields = ["password", "must_change_password", "failed_logins", "locked_until"]
        if user.kind == UserKind.STAFF:
            user.totp_secret = DEMO_TOTP_SECRET
            user.totp_confirmed = True
            fields += ["totp_secret", "totp_confirmed"]
        user.save(update_fields=fields)


class Command(BaseCommand):
    help = "Seed the register with a synthetic city (Beijing by default) and create the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=2000, help="insured persons to add (default 2000)")
        parser.add_argument(
            "--employers", type=int, default=None, help="employers to add (default persons/50)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="random seed (same seed, same city)")
        parser.add_argument("--chunk", type=int, default=50_000, help="persons per insert batch")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--if-empty", action="store_true", help="do nothing when the register has data")
        group.add_argument("--append", action="store_true", help="add to a register that already has data")
        parser.add_argument("--no-users", action="store_true", help="do not create the demo users")
        parser.add_argument(
            "--workers", type=int, choices=[0, 1], default=None, help="1: generate in a forked process"
        )
        parser.add_argument("--report", type=Path, default=None, help="write the load report as JSON here")

    def handle(self, *args, **opts):
        persons, chunk = opts["persons"], opts["chunk"]
        employers = opts["employers"] if opts["employers"] is not None else max(1, persons // 50)
        if persons < 0 or employers < 0 or chunk < 1:
            raise CommandError("--persons and --employers must be ≥ 0 and --chunk ≥ 1")
        city_code = settings.SHEBAO_CITY_CODE
        counts = bulk.register_counts()
        if counts["persons"] or counts["employers"]:
            if opts["if_empty"]:
                self.stdout.write(
                    f"登记库已有数据（{counts['persons']:,} 人，{counts['employers']:,} 个单位），未生成。"
                    f" The register already has {counts['persons']:,} persons: nothing seeded (--if-empty)."
                )
                return
            if not opts["append"]:
                raise CommandError(
                    f"登记库已有 {counts['persons']:,} 人、{counts['employers']:,} 个单位；追加请用 --append，跳过请用 --if-empty。"
                    f" The register already has {counts['persons']:,} persons and {counts['employers']:,} employers:"
                    " use --append to add more or --if-empty to skip."
                )
        try:
            city = bulk.city_map(city_code)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if city.source == "builtin":
            self.stderr.write(
                f"kernel Division table has no current counties under {city_code}: using the built-in list of "
                f"Beijing's {len(city.districts)} districts (load the GB/T 2260 divisions for the full table)"
            )
        started = time.perf_counter()
        with audit_context(actor_label="seed_demo"):
            report = self._load(
                persons=persons, employers=employers, chunk=chunk, opts=opts, city_code=city_code
            )
            users = [] if opts["no_users"] else demo_users_create(city_code=city_code)
            with transaction.atomic():
                demo_credentials_set(demo_users() if users else [])
                audit_record(
                    action="demo.seed",
                    object_type="register",
                    object_id=city_code,
                    after={**report.as_dict(), "seed": opts["seed"], "demo_users": users},
                )
        seconds = time.perf_counter() - started
        rate = report.persons / seconds if seconds else 0.0
        self.stdout.write(
            f"生成完成 seeded: {report.persons:,} persons, {report.employers:,} employers, "
            f"{report.employments:,} employments, {report.enrolments:,} enrolments "
            f"in {seconds:.1f} s ({rate:,.0f} persons/s; {report.strategy})"
        )
        if opts["verbosity"] >= 2:
            for name, value in report.phases.items():
                self.stdout.write(f"  {name:<22} {value:8.2f} s")
        if opts["report"]:
            data = {**report.as_dict(), "total_seconds": round(seconds, 2), "phases": report.phases}
            opts["report"].write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")

    def _load(
        self, *, persons: int, employers: int, chunk: int, opts: dict, city_code: str
    ) -> bulk.SeedReport:
        from tqdm import tqdm

        bar = tqdm(
            total=persons,
            unit=" persons",
            unit_scale=True,
            file=sys.stderr,
            disable=opts["verbosity"] == 0 or persons == 0,
            desc="seed_demo",
        )
        try:
            report = bulk.seed_register(
                persons=persons,
                employers=employers,
                city_code=city_code,
                seed=opts["seed"],
                chunk=chunk,
                progress=bar.update,
                workers=opts["workers"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        bulk.checkpoint()
        return report
