"""Set-based batches of 失业保险金.

``unemployment_sweep(*, actor, period=None, today=None) -> SweepResult``
    Finds in SQL, over all active claims at once: persons recorded as deceased in the
    register (stop from the month after the month of death: the month of death is paid,
    as in ``payroll.payee_stop_on_death``), persons with an employment started after the
    one the claim ended (stop from the month after the new start: 重新就业), persons with
    a pension payee in pay or suspended (stop from the pension's first month), claims paid
    out (期满), and claims whose next amount step is due by ``period``. A claim meeting
    several conditions stops from the earliest month (death first on the same month).
    Each stop goes through ``services.claim_stop`` (audited, atomic per claim; months
    already paid from the stop month on become a payroll receivable). Rerunning finds
    nothing new.

``unemployment_medical(*, actor, period, chunk_size=100_000) -> MedicalTransfer``
    The medical contributions the unemployment fund pays for the recipients of ``period``
    (rules.md §5.4): per person-id chunk, in one transaction each, delete the period's rows
    and rewrite them with one INSERT … SELECT over the active unemployment payees of the
    period (payroll's payee table, joined with the claims), base and rate of the
    parameters of the claim's region in force that month. Then the period's total for the
    transfer to the medical fund, as a sum over the rows. A rerun (or a run after a kill)
    gives identical rows and totals. Rounding point: base × rate to the fen, half up.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from shebao.benefits.rules.unemployment import StopReason
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.periods import Period
from shebao.payroll import selectors as payroll_selectors
from shebao.register import sources as register_sources
from shebao.register.rules.codes import LifeStatus
from shebao.unemployment import access, selectors, services
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.models import Claim, ClaimChange, ClaimStatus, MedicalContribution, MedicalTransfer

CLAIM = Claim._meta.db_table
MEDICAL = MedicalContribution._meta.db_table
DEFAULT_CHUNK = 100_000


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


@dataclass
class SweepResult:
    period: int
    stopped: list[tuple[str, str, int]] = field(default_factory=list)  # (claim, reason, from period)
    ended: int = 0
    steps: int = 0


def _reemployed() -> list[tuple[int, int, dt.date]]:
    employment = register_sources.register_tables().employment
    sql = f"""SELECT c.id, c.first_period, MIN(e.start_date) FROM {CLAIM} c
      JOIN {employment} e ON e.person_id = c.person_id
      WHERE c.status = 'active' AND c.employment_end IS NOT NULL AND e.start_date > c.employment_end
      GROUP BY c.id, c.first_period ORDER BY c.id"""  # noqa: S608 - table names only
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [(row[0], row[1], _as_date(row[2])) for row in cursor.fetchall()]


def _deceased() -> list[tuple[int, int, dt.date]]:
    """Active claims of persons the register records as deceased (死亡登记 or the death
    import of the certification data comparison): (claim, first period, date of death)."""
    person = register_sources.register_tables().person
    sql = f"""SELECT c.id, c.first_period, p.death_date FROM {CLAIM} c
      JOIN {person} p ON p.id = c.person_id
      WHERE c.status = 'active' AND p.life_status = %s AND p.death_date IS NOT NULL
      ORDER BY c.id"""  # noqa: S608 - table names only
    with connection.cursor() as cursor:
        cursor.execute(sql, [str(LifeStatus.DECEASED)])
        return [(row[0], row[1], _as_date(row[2])) for row in cursor.fetchall()]


def _pensioners() -> list[tuple[int, int]]:
    """Active claims of persons with a pension payee in pay or suspended (a suspended
    pension, e.g. for a missed certification, is still a pension drawn)."""
    payee = payroll_selectors.payee_table()
    sql = f"""SELECT c.id, MIN(p.from_period) FROM {CLAIM} c
      JOIN {payee} p ON p.person_id = c.person_id AND p.benefit = 'pension'
        AND p.status IN ('active', 'suspended')
      WHERE c.status = 'active' AND p.from_period <= c.paid_to
      GROUP BY c.id ORDER BY c.id"""  # noqa: S608 - table names only
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [(row[0], row[1]) for row in cursor.fetchall()]


def unemployment_sweep(*, actor, period: object = None, today: dt.date | None = None) -> SweepResult:
    access.grant_any(actor, access.STOP_PERMS, settings.SHEBAO_CITY_CODE)
    today = today or timezone.localdate()
    current = services._period(period, field="period") if period not in (None, "") else int(Period.of(today))
    result = SweepResult(current)
    found: dict[int, list[tuple[int, int, StopReason]]] = {}  # claim → [(from period, rank, reason)]
    for claim_id, first, death in _deceased():
        start = max(first, int(Period.of(death) + 1))  # the month of death is paid
        found.setdefault(claim_id, []).append((start, 0, StopReason.DIED))
    for claim_id, first, hired in _reemployed():
        start = max(first, int(Period.of(hired) + 1))
        found.setdefault(claim_id, []).append((start, 1, StopReason.REEMPLOYED))
    for claim_id, from_period in _pensioners():
        found.setdefault(claim_id, []).append((from_period, 2, StopReason.PENSION))
    for claim_id, rows in sorted(found.items()):
        start, _, reason = min(rows)  # the earliest month; on the same month, death first
        claim = Claim.objects.get(pk=claim_id)
        if start > claim.paid_to:
            continue  # the claim ends before: nothing to stop
        start = max(start, claim.first_period)
        claim = services.claim_stop(actor=actor, claim_id=claim_id, reason=reason, from_period=start)
        result.stopped.append((claim.reference, str(reason), start))
    for claim_id in Claim.objects.filter(
        status=ClaimStatus.ACTIVE, next_step_period__isnull=False, next_step_period__lte=current
    ).values_list("pk", flat=True):
        services.claim_apply_step(actor=actor, claim_id=claim_id)
        result.steps += 1
    with transaction.atomic():
        done = list(
            Claim.objects.select_for_update()
            .filter(status=ClaimStatus.ACTIVE, paid_to__lt=current, next_step_period__isnull=True)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        Claim.objects.filter(pk__in=done, status=ClaimStatus.ACTIVE).update(
            status=ClaimStatus.ENDED, unused_months=0, updated_at=now
        )
        ClaimChange.objects.bulk_create(
            ClaimChange(claim_id=pk, action="end", status=ClaimStatus.ENDED, reason="期满 paid out",
                        actor=services._label(actor), at=now)
            for pk in done
        )  # fmt: skip
        result.ended = len(done)
        audit_record(
            action="unemployment.sweep", object_type="unemployment_sweep", object_id=current, actor=actor,
            after={"period": current, "stopped": len(result.stopped), "ended": result.ended, "steps": result.steps,
                   "stopped_by_reason": {r: sum(1 for _, why, _ in result.stopped if why == r)
                                         for r in sorted({why for _, why, _ in result.stopped})}},
        )  # fmt: skip
    return result


# --- medical contributions paid by the fund ---------------------------------------------------

_INSERT = """INSERT INTO {medical} (period, person_id, claim_id, region_code, base_fen, rate_ppm, amount_fen, fund)
    SELECT %(period)s, c.person_id, c.id, c.region_code, %(base)s, %(rate)s, %(amount)s, 'unemployment'
    FROM {claim} c JOIN {payee} p ON p.id = c.payee_id
    WHERE c.person_id >= %(lo)s AND c.person_id < %(hi)s AND c.region_code = %(region)s
      AND c.first_period <= %(period)s AND c.paid_to >= %(period)s
      AND p.benefit = 'unemployment'
      AND p.from_period <= %(period)s AND (p.to_period IS NULL OR p.to_period >= %(period)s)
      AND NOT (p.suspended_from IS NOT NULL AND %(period)s >= p.suspended_from
               AND (p.resumed_from IS NULL OR %(period)s < p.resumed_from))"""


def _rates(period: int) -> dict[str, tuple[int, int, int]]:
    """region → (base fen, rate ppm, amount fen) for every region with a claim in pay."""
    regions = sorted(
        set(
            Claim.objects.filter(first_period__lte=period, paid_to__gte=period).values_list(
                "region_code", flat=True
            )
        )
    )
    out = {}
    for region in regions:
        param = selectors.parameters_for(region_code=region, period=period)
        if param is None:
            raise UnemploymentError(
                field="period",
                zh=f"地区 {region} 没有 {period} 的失业保险参数",
                en=f"no unemployment parameters for {region} in {period}",
            )
        amount = (Decimal(param.medical_base_fen) * param.medical_rate_ppm / 1_000_000).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        out[region] = (param.medical_base_fen, param.medical_rate_ppm, int(amount))
    return out


def unemployment_medical(*, actor, period: object, chunk_size: int = DEFAULT_CHUNK, today=None) -> MedicalTransfer:
    grant = access.grant_any(actor, access.FUND_RUN, settings.SHEBAO_CITY_CODE)
    p = services._period(period, field="period")
    current = int(Period.of(today or timezone.localdate()))
    if p > current:
        raise UnemploymentError(field="period", zh="不能计算未来月份", en="the period is in the future")
    if isinstance(chunk_size, bool) or not 1 <= int(chunk_size) <= 1_000_000:
        raise UnemploymentError(field="chunk_size", zh="分块大小不合理", en="implausible chunk size")
    rates = _rates(p)
    bounds = [
        Claim.objects.filter(first_period__lte=p, paid_to__gte=p).aggregate(lo=Min("person_id"), hi=Max("person_id")),
        MedicalContribution.objects.filter(period=p).aggregate(lo=Min("person_id"), hi=Max("person_id")),
    ]
    los = [b["lo"] for b in bounds if b["lo"] is not None]
    his = [b["hi"] for b in bounds if b["hi"] is not None]
    sql = _INSERT.format(medical=MEDICAL, claim=CLAIM, payee=payroll_selectors.payee_table())
    if los:
        lo, hi = min(los), max(his)
        for start in range(lo, hi + 1, int(chunk_size)):
            end = min(start + int(chunk_size), hi + 1)
            with transaction.atomic(), connection.cursor() as cursor:
                MedicalContribution.objects.filter(period=p, person_id__gte=start, person_id__lt=end).delete()
                for region, (base, rate, amount) in rates.items():
                    cursor.execute(sql, {"period": p, "lo": start, "hi": end, "region": region,
                                         "base": base, "rate": rate, "amount": amount})  # fmt: skip
    with transaction.atomic():
        totals = MedicalContribution.objects.filter(period=p).aggregate(n=Count("id"), total=Sum("amount_fen"))
        row, _ = MedicalTransfer.objects.update_or_create(
            period=p,
            defaults={"recipients": totals["n"] or 0, "total_fen": totals["total"] or 0,
                      "computed_at": timezone.now(), "computed_by": services._label(actor)},
        )  # fmt: skip
        audit_record(
            action="unemployment.medical", object_type="unemployment_medical", object_id=p, actor=actor,
            post=services._post(grant), after={"period": p, "recipients": row.recipients, "total_fen": row.total_fen},
        )  # fmt: skip
    return row

