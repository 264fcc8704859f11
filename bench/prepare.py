"""Prepare a seeded bench database for the lookup benchmark (run by bench/run.py with
the bench database's environment): a staff user with 审核 (person view) city-wide and
an API token, both through the accounts services, and a sample of existing ID numbers.

    python bench/prepare.py OUT.json [--sample 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--sample", type=int, default=5000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Max, Min

    from shebao.accounts import services
    from shebao.accounts.models import User
    from shebao.accounts.rules.permissions import Post
    from shebao.kernel.audit import audit_context
    from shebao.register.models import Person

    city = settings.SHEBAO_CITY_CODE
    with audit_context(actor_label="bench"):
        admin = User.objects.filter(username="demo.admin").first()
        if admin is None:
            admin, _ = services.staff_bootstrap_admin(
                username="bench.admin", full_name="压测管理员", region_code=city
            )
        staff = User.objects.filter(username="bench.staff").first()
        if staff is None:
            staff, _ = services.staff_create(
                actor=admin, username="bench.staff", full_name="压测审核", posts=[(Post.REVIEWER, city)]
            )
        token = services.api_token_create(actor=admin, user_id=staff.pk, name="bench", days=1)
    bounds = Person.objects.aggregate(lo=Min("id"), hi=Max("id"))
    rng = random.Random(7)
    picks = sorted({rng.randint(bounds["lo"], bounds["hi"]) for _ in range(args.sample)})
    numbers = list(Person.objects.filter(id__in=picks).values_list("id_number", flat=True))
    args.out.write_text(
        json.dumps(
            {
                "token": token,
                "bodies": [{"id_number": n} for n in numbers],
                "persons": Person.objects.count(),
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
