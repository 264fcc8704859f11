"""Labels for what a certificate states (shared by the PDF, pages and the API)."""

from __future__ import annotations

from shebao.register.rules.codes import Insurance

STATUS_LABELS = {
    "active": ("参保缴费", "contributing"),
    "suspended": ("暂停缴费", "suspended"),
    "terminated": ("终止参保", "terminated"),
    "none": ("未参保", "not insured"),
}
EMPLOYMENT_LABELS = {"employee": ("单位职工", "employee"), "flexible": ("灵活就业", "flexible worker")}
INSURANCE_EN = {
    "pension": "Pension",
    "medical": "Medical",
    "unemployment": "Unemployment",
    "injury": "Work injury",
    "maternity": "Maternity",
}


def period_text(period: int | None) -> str:
    if not period:
        return "—"
    return f"{period // 100}年{period % 100:02d}月"


def period_en(period: int | None) -> str:
    if not period:
        return "—"
    return f"{period // 100}-{period % 100:02d}"


def facts_rows(facts: dict) -> list[dict]:
    rows = []
    for item in facts.get("insurances", []):
        insurance = Insurance(item["insurance"])
        zh, en = STATUS_LABELS.get(item["status"], (item["status"], item["status"]))
        rows.append(
            {
                "insurance": insurance.value,
                "label_zh": insurance.label_zh,
                "label_en": INSURANCE_EN[insurance.value],
                "status": item["status"],
                "status_zh": zh,
                "status_en": en,
                "first_period": item["first_period"],
                "first_text": period_text(item["first_period"]),
                "first_en": period_en(item["first_period"]),
                "months_paid": item["months_paid"],
                "latest_paid": item["latest_paid"],
                "latest_text": period_text(item["latest_paid"]),
                "latest_en": period_en(item["latest_paid"]),
            }
        )
    return rows


def employer_text(facts: dict) -> tuple[str, str]:
    employer = facts.get("employer")
    if not employer:
        return ("无在职单位", "no current employer")
    if employer.get("kind") == "flexible":
        return ("灵活就业人员（个人缴费）", "flexible worker (pays in person)")
    return (employer.get("name") or "—", employer.get("name") or "—")
