"""The obvious Django implementation of the monthly assessment, for bench/assessment.py:
ORM iterators, Python arithmetic with the rule kernels, ``bulk_create`` of the lines, an
ORM aggregate for the bills. Same inputs, same rules, same rounding as the set-based run
(shebao.contributions.assessment) — it exists only to be measured against it.

    python bench/assessment_baseline.py PERIOD LIMIT    # LIMIT 0 = every person

Prints one JSON line: seconds, lines, employer_fen, individual_fen.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.config.settings")


def main() -> int:
    import django

    django.setup()
    from django.conf import settings
    from django.db import transaction
    from django.db.models import Count, Min, Sum
    from django.utils import timezone

    from shebao.contributions.assessment import due_date
    from shebao.contributions.models import Bill, ContributionLine, FlexibleGrade, WageDeclaration
    from shebao.contributions.rules.rates import amount_fen
    from shebao.contributions.selectors import rate_sheet
    from shebao.kernel.rules.periods import Period
    from shebao.register.models import Employer, Employment, Enrolment, Person

    period, limit = int(sys.argv[1]), int(sys.argv[2])
    started = time.perf_counter()
    sheet = rate_sheet(region_code=settings.SHEBAO_CITY_CODE, period=period)
    p = Period.from_int(period)
    first_day, last_day = p.first_day(), p.last_day()
    lo = Person.objects.aggregate(lo=Min("id"))["lo"] or 0
    persons = Person.objects.all()
    if limit:
        persons = persons.filter(id__lt=lo + limit)
    with transaction.atomic():
        ContributionLine.objects.filter(period=period).delete()
        Bill.objects.filter(period=period).delete()
        living = {
            pid: region
            for pid, region, life in persons.values_list("id", "region_code", "life_status").iterator(chunk_size=20_000)
            if life != "deceased"
        }
        risk = dict(Employer.objects.values_list("id", "risk_class"))
        declared = {
            (pid, eid): wage
            for pid, eid, wage in WageDeclaration.objects.filter(base_year=sheet.base_year(period)).values_list(
                "person_id", "employer_id", "wage_fen"
            )
        }
        wages = {
            (pid, eid): wage
            for pid, eid, wage in Employment.objects.filter(employer__isnull=False, start_date__lte=last_day)
            .exclude(end_date__lt=first_day)
            .values_list("person_id", "employer_id", "monthly_wage_fen")
            .iterator(chunk_size=20_000)
        }
        grades: dict[int, tuple[int, int]] = {}
        for pid, grade, eff in FlexibleGrade.objects.filter(effective_period__lte=period).values_list(
            "person_id", "grade_pct", "effective_period"
        ):
            if pid not in grades or grades[pid][1] < eff:
                grades[pid] = (grade, eff)
        s = sheet.reference_wage_fen
        enrolments = (
            Enrolment.objects.filter(status="active", start_period__lte=period)
            .exclude(end_period__lt=period)
            .values_list("person_id", "employer_id", "insurance")
            .iterator(chunk_size=20_000)
        )
        batch: list[ContributionLine] = []
        lines = er_total = ee_total = 0
        for pid, eid, insurance in enrolments:
            region = living.get(pid)
            if region is None:
                continue
            if eid is None:
                if insurance not in sheet.flexible_ppm:
                    continue
                grade = grades.get(pid, (60, 0))[0]
                wage = ((s * grade + 5000) // 10000) * 100
                er, ee, fixed = 0, sheet.flexible_ppm[insurance], 0
            else:
                wage = declared.get((pid, eid))
                if wage is None:
                    wage = wages.get((pid, eid))
                if wage is None:
                    wage = s
                er = sheet.injury_ppm[risk[eid]] if insurance == "injury" else sheet.employer_ppm.get(insurance, 0)
                ee, fixed = sheet.individual_ppm.get(insurance, 0), sheet.individual_fixed_fen.get(insurance, 0)
            base = min(max(wage, sheet.floor_fen), sheet.ceiling_fen)
            er_fen = amount_fen(base_fen=base, rate_ppm=er)
            ee_fen = amount_fen(base_fen=base, rate_ppm=ee) + fixed
            batch.append(
                ContributionLine(
                    period=period, person_id=pid, insurance=insurance, employer_id=eid, region_code=region,
                    kind="normal", base_fen=base, employer_ppm=er, individual_ppm=ee, employer_fen=er_fen,
                    individual_fen=ee_fen, run_id=0,
                )
            )
            lines += 1
            er_total += er_fen
            ee_total += ee_fen
            if len(batch) >= 5000:
                ContributionLine.objects.bulk_create(batch)
                batch = []
        ContributionLine.objects.bulk_create(batch)
        due = due_date(period=period, due_day=sheet.due_day)
        now = timezone.now()
        bills = []
        for row in (
            ContributionLine.objects.filter(period=period)
            .values("employer_id")
            .annotate(er=Sum("employer_fen"), ee=Sum("individual_fen"), n=Count("id"), region=Min("region_code"))
            .filter(employer_id__isnull=False)
        ):
            bills.append(
                Bill(period=period, payer_type="employer", payer_id=row["employer_id"], kind="normal",
                     region_code=row["region"], employer_fen=row["er"], individual_fen=row["ee"],
                     total_fen=row["er"] + row["ee"], lines=row["n"], due_date=due, run_id=0, updated_at=now)
            )
        for row in (
            ContributionLine.objects.filter(period=period, employer_id__isnull=True)
            .values("person_id")
            .annotate(ee=Sum("individual_fen"), n=Count("id"), region=Min("region_code"))
        ):
            bills.append(
                Bill(period=period, payer_type="person", payer_id=row["person_id"], kind="normal",
                     region_code=row["region"], employer_fen=0, individual_fen=row["ee"], total_fen=row["ee"],
                     lines=row["n"], due_date=due, run_id=0, updated_at=now)
            )
        Bill.objects.bulk_create(bills, batch_size=5000)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": round(seconds, 2), "lines": lines, "employer_fen": er_total,
                      "individual_fen": ee_total, "bills": len(bills)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
