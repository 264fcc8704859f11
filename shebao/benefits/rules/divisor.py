"""计发月数 (annuity divisor, 国发〔2005〕38号 annex), rules.md §4.3. Pure.

The divisor is a data table keyed by age in months (``divisor_months.csv``, 40 y … 70 y).
Whole ages carry the annex values (47 → 207, not 208). Months between whole ages were
filled once by linear interpolation rounded half-up to 0.1 month, the practice reported
by a 济南 government reply (60 y 1 m → 138.4); replace the file with the official
monthly table when it is published — the code only looks values up.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from functools import cache
from pathlib import Path

from .errors import BenefitRuleError

TABLE_FILE = Path(__file__).with_name("divisor_months.csv")


@cache
def divisor_table() -> dict[int, Decimal]:
    with TABLE_FILE.open(encoding="utf-8") as handle:
        return {int(row["age_months"]): Decimal(row["divisor"]) for row in csv.DictReader(handle)}


def divisor(age_years: int, age_months: int = 0) -> Decimal:
    """The divisor for a retirement at ``age_years`` y ``age_months`` m."""
    key = age_years * 12 + age_months
    table = divisor_table()
    if not (0 <= age_months < 12) or key not in table:
        lo, hi = min(table), max(table)
        raise BenefitRuleError(
            field="age",
            zh=f"计发月数表只覆盖 {lo // 12} 至 {hi // 12} 周岁",
            en=f"the divisor table covers ages {lo // 12} to {hi // 12}",
        )
    return table[key]
