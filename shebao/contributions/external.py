"""Contribution months recorded elsewhere (外地转入 or historical records). ADR 0015.

Public write paths (keyword-only):

``external_months_record(*, actor, person_id, rows, source, reference) -> int``
    Record months the person paid elsewhere: ``rows`` are mappings with ``period``
    (YYYYMM), ``insurance`` (pension …), ``base_fen`` and optionally ``employer_fen`` and
    ``individual_fen`` (integer fen). ``source`` is the agency code (or loader name),
    ``reference`` the transfer reference or batch name. All rows or none; a row already
    recorded with the same amounts is skipped (idempotent), with different amounts refused
    naming the row. Returns the number of rows written. ``person_contribution_history``
    shows them as paid months (kind ``external``), so the pension record counts them.
    Needs CONTRIBUTION_WRITE in the person's region.

The personal-account entries of a transfer (``account_transfer_out`` / ``account_transfer_in``)
are in ``ledger.py``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone

from shebao.accounts.rules.permissions import Perm
from shebao.contributions import selectors
from shebao.contributions.models import ExternalMonth
from shebao.contributions.services import ContributionError, _period, _post, _staff_grant
from shebao.kernel.audit import audit_record
from shebao.kernel.rules.periods import Period
from shebao.register.rules.codes import Insurance

MAX_ROWS = 1200


def _fen(value: object, *, field: str, row: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ContributionError(field=field, zh="金额应为非负整数（分）", en=f"{field} must be a non-negative integer of fen",
                                row=row)  # fmt: skip
    return value


def _clean_rows(rows: Iterable[Mapping], *, latest: int) -> list[dict]:
    cleaned: dict[tuple[int, str], dict] = {}
    for number, raw in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise ContributionError(field="rows", zh=f"一次最多 {MAX_ROWS} 行", en=f"at most {MAX_ROWS} rows at a time")
        if not isinstance(raw, Mapping):
            raise ContributionError(field="rows", zh="每行应为一条记录", en="each row must be a mapping", row=number)
        try:
            period = int(_period(raw.get("period")))
        except ContributionError as exc:
            raise ContributionError(field="period", zh=exc.message_zh, en=exc.message_en, row=number) from None
        if period > latest:
            raise ContributionError(field="period", zh="所属期晚于本月", en="the period is after the current month", row=number)
        insurance = str(raw.get("insurance") or "")
        if insurance not in Insurance.__members__.values():
            raise ContributionError(field="insurance", zh="险种无效", en="unknown insurance", row=number)
        if (period, insurance) in cleaned:
            raise ContributionError(field="period", zh="同一所属期和险种重复", en="the period and insurance repeat", row=number)
        cleaned[(period, insurance)] = {
            "period": period, "insurance": insurance, "row": number,
            "base_fen": _fen(raw.get("base_fen"), field="base_fen", row=number),
            "employer_fen": _fen(raw.get("employer_fen", 0), field="employer_fen", row=number),
            "individual_fen": _fen(raw.get("individual_fen", 0), field="individual_fen", row=number),
        }  # fmt: skip
    if not cleaned:
        raise ContributionError(field="rows", zh="没有要记录的缴费月份", en="no months to record")
    return list(cleaned.values())


@transaction.atomic
def external_months_record(*, actor, person_id: int, rows: Iterable[Mapping], source: str, reference: str) -> int:
    """Record contribution months paid elsewhere (see the module docstring)."""
    grant = _staff_grant(actor, Perm.CONTRIBUTION_WRITE, selectors.person_region(person_id))
    source, reference = str(source or "").strip(), str(reference or "").strip()
    if not source or len(source) > 32:
        raise ContributionError(field="source", zh="请填写来源机构代码（32字以内）", en="the source (≤ 32 characters) is required")
    if not reference or len(reference) > 64:
        raise ContributionError(field="reference", zh="请填写业务编号（64字以内）", en="the reference (≤ 64 characters) is required")
    cleaned = _clean_rows(rows, latest=int(Period.of(timezone.localdate())))
    existing = {
        (r.period, r.insurance): r
        for r in ExternalMonth.objects.select_for_update().filter(
            person_id=person_id, source=source, period__in=[c["period"] for c in cleaned]
        )
    }
    now, new = timezone.now(), []
    for c in cleaned:
        old = existing.get((c["period"], c["insurance"]))
        if old is None:
            new.append(ExternalMonth(person_id=person_id, period=c["period"], insurance=c["insurance"],
                                     base_fen=c["base_fen"], employer_fen=c["employer_fen"],
                                     individual_fen=c["individual_fen"], source=source, reference=reference,
                                     recorded_at=now))  # fmt: skip
        elif (old.base_fen, old.employer_fen, old.individual_fen) != (c["base_fen"], c["employer_fen"], c["individual_fen"]):
            raise ContributionError(field="base_fen", row=c["row"], zh=f"{c['period']} 已有来自 {source} 的不同记录",
                                    en=f"{c['period']} is already recorded from {source} with other amounts")  # fmt: skip
    ExternalMonth.objects.bulk_create(new)
    audit_record(
        action="contribution.external_months_record", object_type="person", object_id=person_id,
        after={"source": source, "reference": reference, "rows": len(cleaned), "written": len(new),
               "first_period": min(c["period"] for c in cleaned), "last_period": max(c["period"] for c in cleaned),
               "base_fen": sum(c["base_fen"] for c in cleaned)},
        actor=actor, post=_post(grant),
    )  # fmt: skip
    return len(new)


def external_months(*, person_id: int, first_period: int, last_period: int) -> list[ExternalMonth]:
    return list(
        ExternalMonth.objects.filter(person_id=person_id, period__gte=first_period, period__lte=last_period).order_by(
            "period", "insurance", "source"
        )
    )
