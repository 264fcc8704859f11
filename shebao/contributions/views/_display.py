"""Turning contribution rows into what the pages show: labels, periods, yuan.

Money is stored as integer fen and shown as yuan with two decimals
(``kernel.rules.money.format_yuan``); periods are shown as 2026年01月 (English 2026-01).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shebao.contributions.codes import BillStatus, LineKind, ParamKind, PaymentKind, PaymentSource, RunStatus
from shebao.contributions.rules.rates import percent_text
from shebao.kernel.rules.money import fen_to_yuan, format_yuan
from shebao.kernel.rules.periods import Period
from shebao.register.rules.codes import Insurance
from shebao.register.views._common import is_english
from shebao.register.views.forms import INSURANCE_LABELS

BILL_STATUS_LABELS = {
    BillStatus.OPEN: _("未缴"),
    BillStatus.PARTIAL: _("部分缴纳"),
    BillStatus.PAID: _("已缴清"),
    BillStatus.VOID: _("作废"),
}
LINE_KIND_LABELS = {
    LineKind.NORMAL: _("正常核定"),
    LineKind.PROVISIONAL: _("暂核（未申报，按上月110%）"),
    LineKind.BACKPAY: _("补缴"),
}
RUN_STATUS_LABELS = {
    RunStatus.QUEUED: _("排队中"),
    RunStatus.RUNNING: _("核定中"),
    RunStatus.DONE: _("已完成"),
    RunStatus.FAILED: _("失败"),
}
PARAM_KIND_LABELS = {
    ParamKind.REFERENCE_WAGE: _("社会平均工资（月）"),
    ParamKind.BASE_FLOOR: _("缴费基数下限"),
    ParamKind.BASE_CEILING: _("缴费基数上限"),
    ParamKind.EMPLOYER_RATE: _("单位缴费比例"),
    ParamKind.INDIVIDUAL_RATE: _("个人缴费比例"),
    ParamKind.INDIVIDUAL_FIXED: _("个人定额缴费"),
    ParamKind.INJURY_RATE: _("工伤行业费率"),
    ParamKind.FLEXIBLE_RATE: _("灵活就业缴费比例"),
    ParamKind.FLEXIBLE_GRADE: _("灵活就业缴费档次"),
    ParamKind.ACCOUNT_CREDIT: _("个人账户记账比例"),
    ParamKind.CREDITING_RATE: _("记账利率"),
    ParamKind.LATE_FEE_DAILY: _("滞纳金日费率"),
    ParamKind.LATE_FEE_DAY_COUNT: _("滞纳天数计算方法"),
    ParamKind.LATE_FEE_CAP: _("滞纳金以本金为限"),
    ParamKind.DUE_DAY: _("缴费截止日"),
    ParamKind.BASE_YEAR_START: _("社保年度起始月"),
    ParamKind.INTEREST_METHOD: _("计息方法"),
    ParamKind.FLEXIBLE_BACKPAY_MONTHS: _("灵活就业中断补缴期限（月）"),
}
PAYMENT_SOURCE_LABELS = {
    PaymentSource.BANK: _("银行"),
    PaymentSource.TAX: _("税务"),
    PaymentSource.API: _("接口"),
    PaymentSource.COUNTER: _("窗口"),
}
PAYMENT_KIND_LABELS = {PaymentKind.PAYMENT: _("缴款"), PaymentKind.REVERSAL: _("冲正")}
AGING_LABELS = {
    "1-30": _("1–30天"),
    "31-90": _("31–90天"),
    "91-180": _("91–180天"),
    "181-365": _("181–365天"),
    ">365": _("365天以上"),
}
KEY_LABELS = {"insurance": _("险种"), "risk_class": _("风险类别"), "grade": _("档次（%）"), "year": _("年度")}
INSURANCES = tuple(Insurance)


def yuan(fen: int | None) -> str:
    """Integer fen → "12,345.60" (empty for None)."""
    amount = fen_to_yuan(fen)
    return "" if amount is None else format_yuan(amount)


def period_label(value: int | None) -> str:
    """202601 → "2026年01月" (English: "2026-01")."""
    if not value:
        return ""
    year, month = divmod(int(value), 100)
    return f"{year:04d}-{month:02d}" if is_english() else f"{year:04d}年{month:02d}月"


def insurance_label(code: str) -> str:
    try:
        return str(INSURANCE_LABELS[Insurance(code)])
    except ValueError:
        return code


def current_period(today: dt.date | None = None) -> Period:
    return Period.of(today or timezone.localdate())


def param_value_label(kind: str, value: int) -> str:
    """A parameter value in its unit: yuan for fen, percent for ppm, the number otherwise."""
    try:
        unit = ParamKind(kind).unit
    except ValueError:
        return str(value)
    if unit == "fen":
        return yuan(value)
    if unit == "ppm":
        return percent_text(value)
    if unit == "percent":
        return f"{value}%"
    return str(value)


@dataclass
class BillRow:
    id: int
    period: int
    period_label: str
    kind: str
    kind_label: str
    employer: str
    individual: str
    total: str
    paid: str
    outstanding: str
    outstanding_fen: int
    due_date: dt.date
    overdue: bool
    status: str
    status_label: str
    lines: int


def bill_rows(bills, *, today: dt.date | None = None) -> list[BillRow]:
    today = today or timezone.localdate()
    rows = []
    for bill in bills:
        outstanding = max(bill.total_fen - bill.paid_fen, 0)
        rows.append(
            BillRow(
                id=bill.pk,
                period=bill.period,
                period_label=period_label(bill.period),
                kind=bill.kind,
                kind_label=str(LINE_KIND_LABELS.get(bill.kind, bill.kind)),
                employer=yuan(bill.employer_fen),
                individual=yuan(bill.individual_fen),
                total=yuan(bill.total_fen),
                paid=yuan(bill.paid_fen),
                outstanding=yuan(outstanding),
                outstanding_fen=outstanding,
                due_date=bill.due_date,
                overdue=outstanding > 0 and bill.due_date < today and bill.status != BillStatus.VOID,
                status=bill.status,
                status_label=str(BILL_STATUS_LABELS.get(bill.status, bill.status)),
                lines=bill.lines,
            )
        )
    return rows


def bill_totals(rows: list[BillRow]) -> dict[str, str]:
    outstanding = sum(r.outstanding_fen for r in rows)
    overdue = sum(r.outstanding_fen for r in rows if r.overdue)
    return {"outstanding": yuan(outstanding), "overdue": yuan(overdue), "has_outstanding": outstanding > 0}


@dataclass
class HistoryMonth:
    period: int
    period_label: str
    cells: list[dict]  # one per insurance: base, individual, employer ("" when none)
    individual: str
    employer: str


def history_months(lines, periods: list[int]) -> list[HistoryMonth]:
    """Lines grouped by period (newest first), one cell per insurance in the fixed order."""
    by_period: dict[int, dict[str, list]] = {}
    for line in lines:
        by_period.setdefault(line.period, {}).setdefault(line.insurance, []).append(line)
    months = []
    for period in sorted(periods, reverse=True):
        found = by_period.get(period)
        if not found:
            continue
        cells, ind_total, er_total = [], 0, 0
        for insurance in INSURANCES:
            items = found.get(insurance.value, [])
            ind = sum(x.individual_fen for x in items)
            er = sum(x.employer_fen for x in items)
            ind_total += ind
            er_total += er
            bases = {x.base_fen for x in items if x.base_fen is not None}
            cells.append(
                {
                    "insurance": insurance.value,
                    "present": bool(items),
                    "base": yuan(max(bases)) if bases else "",
                    "individual": yuan(ind) if items else "",
                    "employer": yuan(er) if items else "",
                }
            )
        months.append(HistoryMonth(period, period_label(period), cells, yuan(ind_total), yuan(er_total)))
    return months


def payment_rows(payments) -> list[dict]:
    rows = []
    for p in payments:
        reversal = p.kind == PaymentKind.REVERSAL
        rows.append(
            {
                "paid_on": p.paid_on,
                "source": str(PAYMENT_SOURCE_LABELS.get(p.source, p.source)),
                "reference": p.external_ref,
                "kind": p.kind,
                "kind_label": str(PAYMENT_KIND_LABELS.get(p.kind, p.kind)),
                "amount": ("-" if reversal else "") + yuan(p.amount_fen),
                "allocated": yuan(p.allocated_fen),
                "unallocated": "" if reversal else yuan(max(p.amount_fen - p.allocated_fen, 0)),
                "period": period_label(p.period) if p.period else "",
            }
        )
    return rows


def arrears_view(statement) -> dict:
    """A payer's arrears statement (``arrears.payer_arrears``) for the page."""
    return {
        "on": statement.on,
        "bills": [
            {
                "period_label": period_label(b.period),
                "kind_label": str(LINE_KIND_LABELS.get(b.kind, b.kind)),
                "due_date": b.due_date,
                "total": yuan(b.total_fen),
                "paid": yuan(b.paid_fen),
                "outstanding": yuan(b.outstanding_fen),
                "days": b.days_overdue,
                "late_fee": yuan(b.late_fee_fen),
            }
            for b in statement.bills
        ],
        "late_fees": [
            {
                "period_label": period_label(c.period) if c.period else "",
                "day": c.day,
                "amount": yuan(c.amount_fen),
                "paid": yuan(c.paid_fen),
                "outstanding": yuan(c.outstanding_fen),
            }
            for c in statement.late_fees
        ],
        "fines": [
            {"day": c.day, "reference": c.reference, "outstanding": yuan(c.outstanding_fen)}
            for c in statement.fines
        ],
        "principal": yuan(statement.principal_fen),
        "overdue": yuan(statement.overdue_fen),
        "accrued": yuan(statement.accrued_late_fee_fen),
        "open_late_fees": yuan(statement.open_late_fee_fen),
        "total": yuan(statement.total_fen),
        "fines_total": yuan(statement.fines_fen),
        "credit": yuan(statement.credit_fen),
        "has_credit": statement.credit_fen > 0,
        "clear": not statement.bills and not statement.late_fees and not statement.fines,
    }
