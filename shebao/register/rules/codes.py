"""Register code tables (enumerations) shared by models, services and APIs. Pure."""

from __future__ import annotations

import enum


class Insurance(enum.StrEnum):
    PENSION = "pension"  # 养老
    MEDICAL = "medical"  # 医疗
    UNEMPLOYMENT = "unemployment"  # 失业
    INJURY = "injury"  # 工伤
    MATERNITY = "maternity"  # 生育

    @property
    def aae140(self) -> str:
        """Legacy 金保工程 险种类型 code (rules.md §1.4; verify per province)."""
        return {
            "pension": "110",
            "medical": "310",
            "unemployment": "210",
            "injury": "410",
            "maternity": "510",
        }[self]

    @property
    def label_zh(self) -> str:
        return {
            "pension": "养老保险",
            "medical": "医疗保险",
            "unemployment": "失业保险",
            "injury": "工伤保险",
            "maternity": "生育保险",
        }[self]


# What a flexible worker (灵活就业) may enrol in: no injury, maternity or unemployment.
FLEXIBLE_INSURANCES = (Insurance.PENSION, Insurance.MEDICAL)


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"  # 参保缴费
    SUSPENDED = "suspended"  # 暂停缴费
    TERMINATED = "terminated"  # 终止


class EmploymentKind(enum.StrEnum):
    EMPLOYEE = "employee"  # 单位职工
    FLEXIBLE = "flexible"  # 灵活就业（个人缴费）


class LifeStatus(enum.StrEnum):
    EMPLOYED = "employed"  # 在职
    UNEMPLOYED = "unemployed"  # 失业 / 无单位
    RETIRED = "retired"  # 退休
    DECEASED = "deceased"  # 死亡


class CardStatus(enum.StrEnum):
    NONE = "none"  # 未制卡
    NORMAL = "normal"  # 正常
    LOST = "lost"  # 挂失
    REPLACING = "replacing"  # 补换中
    CANCELLED = "cancelled"  # 注销


class EmployerStatus(enum.StrEnum):
    ACTIVE = "active"  # 正常
    CANCELLED = "cancelled"  # 注销


class EmployerType(enum.StrEnum):
    ENTERPRISE = "enterprise"  # 企业
    INSTITUTION = "institution"  # 机关事业单位
    SOCIAL_ORG = "social_org"  # 社会组织
    INDIVIDUAL_BUSINESS = "individual_business"  # 有雇工的个体工商户
    OTHER = "other"


class HukouType(enum.StrEnum):
    URBAN = "urban"  # 城镇
    RURAL = "rural"  # 农村
    NONE = "none"  # 无户籍（港澳台、外籍）
