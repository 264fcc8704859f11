"""Contribution code tables shared by models, services and APIs. Pure: no Django."""

from __future__ import annotations

import enum


class ParamKind(enum.StrEnum):
    """What a parameter row holds; ``unit`` says how ``Parameter.value`` is read."""

    REFERENCE_WAGE = "reference_wage"  # 社平工资 S, monthly (fen)
    BASE_FLOOR = "base_floor"  # 缴费基数下限 as published (fen)
    BASE_CEILING = "base_ceiling"  # 缴费基数上限 as published (fen)
    EMPLOYER_RATE = "employer_rate"  # key: insurance (ppm)
    INDIVIDUAL_RATE = "individual_rate"  # key: insurance (ppm)
    INDIVIDUAL_FIXED = "individual_fixed"  # key: insurance; e.g. Beijing 3 yuan 大额互助 (fen)
    INJURY_RATE = "injury_rate"  # key: risk class 1..8 (ppm)
    FLEXIBLE_RATE = "flexible_rate"  # key: insurance (ppm), all paid by the individual
    FLEXIBLE_GRADE = "flexible_grade"  # key: grade percent "60".."300" (value: the percent)
    ACCOUNT_CREDIT = "account_credit"  # personal-account share of the individual base (ppm)
    CREDITING_RATE = "crediting_rate"  # 记账利率, key: year (ppm)
    LATE_FEE_DAILY = "late_fee_daily"  # 滞纳金 per day (ppm: 500 = 0.05 %)
    LATE_FEE_DAY_COUNT = "late_fee_day_count"  # 0 = after_due, 1 = inclusive
    LATE_FEE_CAP = "late_fee_cap"  # 1 = never above the principal (行政强制法 art. 45), default 0
    DUE_DAY = "due_day"  # period P is due on this day of month P+1 (next working day if not one)
    BASE_YEAR_START = "base_year_start"  # first month of the 社保年度 (7 = July → June)
    INTEREST_METHOD = "interest_method"  # 0 annual_1997, 1 monthly_product, 2 year_end_only
    FLEXIBLE_BACKPAY_MONTHS = "flexible_backpay_months"  # 中断补缴 window for flexible workers

    @property
    def unit(self) -> str:
        return _UNITS[self]

    @property
    def keyed_by(self) -> str:
        """What ``Parameter.key`` means for this kind ("" = no key)."""
        return _KEYS.get(self, "")

    @property
    def label_zh(self) -> str:
        return _LABELS[self]


_UNITS = {
    ParamKind.REFERENCE_WAGE: "fen",
    ParamKind.BASE_FLOOR: "fen",
    ParamKind.BASE_CEILING: "fen",
    ParamKind.EMPLOYER_RATE: "ppm",
    ParamKind.INDIVIDUAL_RATE: "ppm",
    ParamKind.INDIVIDUAL_FIXED: "fen",
    ParamKind.INJURY_RATE: "ppm",
    ParamKind.FLEXIBLE_RATE: "ppm",
    ParamKind.FLEXIBLE_GRADE: "percent",
    ParamKind.ACCOUNT_CREDIT: "ppm",
    ParamKind.CREDITING_RATE: "ppm",
    ParamKind.LATE_FEE_DAILY: "ppm",
    ParamKind.LATE_FEE_DAY_COUNT: "code",
    ParamKind.LATE_FEE_CAP: "flag",
    ParamKind.DUE_DAY: "day",
    ParamKind.BASE_YEAR_START: "month",
    ParamKind.INTEREST_METHOD: "code",
    ParamKind.FLEXIBLE_BACKPAY_MONTHS: "months",
}
_KEYS = {
    ParamKind.EMPLOYER_RATE: "insurance",
    ParamKind.INDIVIDUAL_RATE: "insurance",
    ParamKind.INDIVIDUAL_FIXED: "insurance",
    ParamKind.FLEXIBLE_RATE: "insurance",
    ParamKind.INJURY_RATE: "risk_class",
    ParamKind.FLEXIBLE_GRADE: "grade",
    ParamKind.CREDITING_RATE: "year",
}
_LABELS = {
    ParamKind.REFERENCE_WAGE: "社会平均工资（月）",
    ParamKind.BASE_FLOOR: "缴费基数下限",
    ParamKind.BASE_CEILING: "缴费基数上限",
    ParamKind.EMPLOYER_RATE: "单位缴费比例",
    ParamKind.INDIVIDUAL_RATE: "个人缴费比例",
    ParamKind.INDIVIDUAL_FIXED: "个人定额缴费",
    ParamKind.INJURY_RATE: "工伤行业费率",
    ParamKind.FLEXIBLE_RATE: "灵活就业缴费比例",
    ParamKind.FLEXIBLE_GRADE: "灵活就业缴费档次",
    ParamKind.ACCOUNT_CREDIT: "个人账户记账比例",
    ParamKind.CREDITING_RATE: "记账利率",
    ParamKind.LATE_FEE_DAILY: "滞纳金日费率",
    ParamKind.LATE_FEE_DAY_COUNT: "滞纳天数计算方法",
    ParamKind.LATE_FEE_CAP: "滞纳金以本金为限",
    ParamKind.DUE_DAY: "缴费截止日",
    ParamKind.BASE_YEAR_START: "社保年度起始月",
    ParamKind.INTEREST_METHOD: "计息方法",
    ParamKind.FLEXIBLE_BACKPAY_MONTHS: "灵活就业中断补缴期限（月）",
}

NATIONAL = "000000"  # jurisdiction of nationally uniform parameters (e.g. 记账利率 since 2016)


class PayerType(enum.StrEnum):
    EMPLOYER = "employer"
    PERSON = "person"  # flexible worker paying for themself


class LineKind(enum.StrEnum):
    NORMAL = "normal"  # 正常核定
    PROVISIONAL = "provisional"  # 未申报按上月 110 % 暂核 (社会保险法 art. 62), employer level
    BACKPAY = "backpay"  # 补缴


class BillStatus(enum.StrEnum):
    OPEN = "open"  # 未缴
    PARTIAL = "partial"  # 部分缴纳
    PAID = "paid"  # 已缴清
    VOID = "void"  # 作废 (nothing left to assess)


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class WageSource(enum.StrEnum):
    DECLARED = "declared"  # 年度申报
    NEW_HIRE = "new_hire"  # 起薪当月工资
    FALLBACK = "fallback"  # 未申报：按社平工资


class PaymentSource(enum.StrEnum):
    BANK = "bank"  # 银行代扣 / 缴款结果文件
    TAX = "tax"  # 税务征收结果
    API = "api"
    COUNTER = "counter"  # 窗口


class PaymentKind(enum.StrEnum):
    PAYMENT = "payment"
    REVERSAL = "reversal"  # 冲正: undoes an earlier payment exactly


class ChargeStatus(enum.StrEnum):
    OPEN = "open"
    PAID = "paid"
    WAIVED = "waived"


class BackPayKind(enum.StrEnum):
    EMPLOYER = "employer"  # 单位补缴 (labour inspection or court finding), with late fees
    FLEXIBLE = "flexible"  # 灵活就业中断补缴, inside the local window, no late fee


class CreditSource(enum.StrEnum):
    NORMAL = "normal"
    BACKPAY = "backpay"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"  # 转出: the whole balance debited (a negative amount)
