"""Prepare a seeded bench database for the estimator benchmark (run by bench/estimator.py
with the bench database's environment): citizen accounts for a random sample of insured
persons who have an assessed contribution history, an API token each (through the
accounts services), and request bodies for the public estimator with 20 to 40 years of
record each.

    python bench/prepare_estimator.py OUT.json [--citizens 300]
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


def public_bodies(rng: random.Random, count: int) -> list[dict]:
    bodies = []
    for _ in range(count):
        birth_year = rng.randint(1966, 1995)
        first = max(birth_year + 20, 1992)
        years = [
            {
                "year": y,
                "months": 12,
                "base": f"{rng.randint(4000, 30000)}.00",
                "average_wage": f"{2000 + (y - 1992) * 350}.00",
            }
            for y in range(first, 2026)
        ]
        bodies.append(
            {
                "birth": f"{birth_year}-{rng.randint(1, 12):02d}",
                "category": rng.choice(["male", "female55", "female50"]),
                "region_code": "110000",
                "current_period": "2025-12",
                "average_wage": "12049.00",
                "account_balance": f"{rng.randint(10000, 300000)}.00",
                "years": years,
                "wage_growth_pct": "3",
                "future_index": "1.0",
            }
        )
    return bodies


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--citizens", type=int, default=300)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from shebao.accounts import services
    from shebao.accounts.models import User
    from shebao.kernel.audit import audit_context
    from shebao.register.models import Person

    city = settings.SHEBAO_CITY_CODE
    rng = random.Random(11)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT MIN(person_id), MAX(person_id) FROM contributions_contributionline WHERE person_id IS NOT NULL"
        )
        lo, hi = cur.fetchone()
        cur.execute("SELECT COUNT(*) FROM contributions_contributionline WHERE person_id IS NOT NULL")
        lines = cur.fetchone()[0]
    if lo is None:
        sys.exit("no assessed contribution lines: run seed_contributions first")
    picks = sorted({rng.randint(lo, hi) for _ in range(args.citizens * 3)})
    persons = list(
        Person.objects.filter(id__in=picks)
        .exclude(life_status="deceased")
        .values_list("id", "id_number", "name", "region_code")[: args.citizens]
    )
    existing = {
        u.person_id: u for u in User.objects.filter(kind="citizen", person_id__in=[p[0] for p in persons])
    }
    tokens = []
    with audit_context(actor_label="bench"):
        admin = (
            User.objects.filter(username="bench.admin").first()
            or User.objects.filter(username="demo.admin").first()
        )
        if admin is None:
            admin, _ = services.staff_bootstrap_admin(
                username="bench.admin", full_name="压测管理员", region_code=city
            )
        for person_id, id_number, name, region in persons:
            user = existing.get(person_id)
            if user is None:  # a rerun (--skip-seed) reuses the accounts of the last one
                user, _ = services.citizen_account_create(
                    actor=admin, person_id=person_id, id_number=id_number, full_name=name, region_code=region
                )
            tokens.append(services.api_token_create(actor=admin, user_id=user.pk, name="bench", days=1))
    if not tokens:
        sys.exit("no citizen could be prepared")
    args.out.write_text(
        json.dumps(
            {
                "tokens": tokens,
                "public_bodies": public_bodies(rng, 200),
                "persons": Person.objects.count(),
                "lines": lines,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
