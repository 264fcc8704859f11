"""The rate sheet: every parameter an assessment of one period in one pooling area uses,
resolved from the effective-dated rows. Pure: no Django (the rows come from selectors).

The most specific jurisdiction wins: the district itself, its prefecture (city), its
province, then ``NATIONAL``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from shebao.contributions.codes import NATIONAL, ParamKind
from shebao.register.rules.codes import Insurance

EMPLOYEE_INSURANCES = tuple(Insurance)
FLEXIBLE_INSURANCES = (Insurance.PENSION, Insurance.MEDICAL)
RISK_CLASSES = tuple(range(1, 9))


class SheetError(ValueError):
    def __init__(self, *, field: str, zh: str, en: str) -> None:
        super().__init__(f"{field}: {en}")
        self.field = field
        self.message_zh = zh
        self.message_en = en


def jurisdictions_for(region_code: str) -> tuple[str, ...]:
    """Most specific first: 110105 → (110105, 110100, 110000, 000000)."""
    chain = [region_code, region_code[:4] + "00", region_code[:2] + "0000", NATIONAL]
    out: list[str] = []
    for code in chain:
        if code not in out:
            out.append(code)
    return tuple(out)


@dataclass(frozen=True)
class ParamRow:
    kind: str
    key: str
    jurisdiction: str
    valid_from: int
    valid_to: int | None
    value: int


@dataclass(frozen=True)
class RateSheet:
    period: int
    region_code: str
    floor_fen: int
    ceiling_fen: int
    reference_wage_fen: int
    employer_ppm: dict[str, int]
    individual_ppm: dict[str, int]
    individual_fixed_fen: dict[str, int]
    injury_ppm: dict[int, int]
    flexible_ppm: dict[str, int]
    account_credit_ppm: int
    due_day: int
    base_year_start: int
    grades: tuple[int, ...] = field(default=())

    def base_year(self, period: int | None = None) -> int:
        """The 社保年度 a period belongs to (named by the year it starts in)."""
        p = self.period if period is None else period
        year, month = divmod(p, 100)
        return year if month >= self.base_year_start else year - 1

    def to_json(self) -> str:
        data = dict(self.__dict__)
        data["injury_ppm"] = {str(k): v for k, v in self.injury_ppm.items()}
        data["grades"] = list(self.grades)
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _valid(row: ParamRow, period: int) -> bool:
    return row.valid_from <= period and (row.valid_to is None or row.valid_to >= period)


def resolve(rows: Iterable[ParamRow], *, kind: ParamKind, key: str, region_code: str, period: int) -> int | None:
    """The value in force for ``period`` from the most specific jurisdiction, or None."""
    candidates = [r for r in rows if r.kind == kind and r.key == key and _valid(r, period)]
    for code in jurisdictions_for(region_code):
        found = [r for r in candidates if r.jurisdiction == code]
        if found:
            return max(found, key=lambda r: r.valid_from).value
    return None


def build_sheet(rows: Iterable[ParamRow], *, region_code: str, period: int) -> RateSheet:
    """All parameters for one period, or a SheetError naming every one that is missing."""
    rows = list(rows)
    missing: list[str] = []

    def need(kind: ParamKind, key: str = "") -> int:
        value = resolve(rows, kind=kind, key=key, region_code=region_code, period=period)
        if value is None:
            missing.append(f"{kind.label_zh}{'[' + key + ']' if key else ''}")
            return 0
        return value

    def optional(kind: ParamKind, default: int, key: str = "") -> int:
        value = resolve(rows, kind=kind, key=key, region_code=region_code, period=period)
        return default if value is None else value

    sheet = RateSheet(
        period=period,
        region_code=region_code,
        floor_fen=need(ParamKind.BASE_FLOOR),
        ceiling_fen=need(ParamKind.BASE_CEILING),
        reference_wage_fen=need(ParamKind.REFERENCE_WAGE),
        employer_ppm={i.value: need(ParamKind.EMPLOYER_RATE, i.value) for i in EMPLOYEE_INSURANCES if i != Insurance.INJURY},
        individual_ppm={i.value: optional(ParamKind.INDIVIDUAL_RATE, 0, i.value) for i in EMPLOYEE_INSURANCES},
        individual_fixed_fen={i.value: optional(ParamKind.INDIVIDUAL_FIXED, 0, i.value) for i in EMPLOYEE_INSURANCES},
        injury_ppm={c: need(ParamKind.INJURY_RATE, str(c)) for c in RISK_CLASSES},
        flexible_ppm={i.value: need(ParamKind.FLEXIBLE_RATE, i.value) for i in FLEXIBLE_INSURANCES},
        account_credit_ppm=need(ParamKind.ACCOUNT_CREDIT),
        due_day=optional(ParamKind.DUE_DAY, 15),
        base_year_start=optional(ParamKind.BASE_YEAR_START, 7),
        grades=tuple(
            sorted(
                {
                    r.value
                    for r in rows
                    if r.kind == ParamKind.FLEXIBLE_GRADE and _valid(r, period) and r.jurisdiction in jurisdictions_for(region_code)
                }
            )
        ),
    )
    if missing:
        raise SheetError(
            field="parameters",
            zh=f"所属期 {period} 在 {region_code} 缺少参数：{'、'.join(missing)}",
            en=f"period {period} in {region_code} lacks parameters: {', '.join(missing)}",
        )
    if sheet.floor_fen > sheet.ceiling_fen:
        raise SheetError(
            field="parameters",
            zh=f"所属期 {period} 的缴费基数下限高于上限",
            en=f"period {period}: the base floor is above the ceiling",
        )
    return sheet
