"""The register (参保登记): employers, insured persons, employments and enrolments.

History: every change goes through a service that writes an audit entry with the
before/after values, and the record pages show that trail; enrolments and
employments are themselves interval rows, so their history is the rows.
Personal identifiers are stored encrypted with a blind index (kernel.crypto).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shebao.kernel.crypto import EncryptedTextField
from shebao.register.rules.codes import (
    CardStatus,
    EmployerStatus,
    EmployerType,
    EmploymentKind,
    EnrolmentStatus,
    HukouType,
    Insurance,
    LifeStatus,
)
from shebao.register.rules.validation import mask_account, mask_phone


def _choices(enum_cls, labels: dict) -> list[tuple[str, str]]:
    return [(member.value, labels[member]) for member in enum_cls]


class Employer(models.Model):
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    name = models.CharField(_("单位名称"), max_length=200)
    employer_type = models.CharField(
        _("单位类型"),
        max_length=24,
        choices=_choices(
            EmployerType,
            {
                EmployerType.ENTERPRISE: _("企业"),
                EmployerType.INSTITUTION: _("机关事业单位"),
                EmployerType.SOCIAL_ORG: _("社会组织"),
                EmployerType.INDIVIDUAL_BUSINESS: _("个体工商户"),
                EmployerType.OTHER: _("其他"),
            },
        ),
    )
    region_code = models.CharField(_("所属区划"), max_length=6, db_index=True)
    industry = models.CharField(_("行业"), max_length=60, blank=True, default="")
    risk_class = models.PositiveSmallIntegerField(_("工伤风险类别"))
    address = models.CharField(_("地址"), max_length=200, blank=True, default="")
    contact_name = models.CharField(_("联系人"), max_length=60, blank=True, default="")
    contact_phone = EncryptedTextField(_("联系电话"), aad="employer.contact_phone", blank=True, default="")
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True, default="")
    bank_account = EncryptedTextField(_("银行账号"), aad="employer.bank_account", blank=True, default="")
    status = models.CharField(
        _("状态"),
        max_length=12,
        default=EmployerStatus.ACTIVE,
        choices=_choices(
            EmployerStatus, {EmployerStatus.ACTIVE: _("正常"), EmployerStatus.CANCELLED: _("注销")}
        ),
    )
    registered_on = models.DateField(_("登记日期"))
    cancelled_on = models.DateField(_("注销日期"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(risk_class__gte=1, risk_class__lte=8), name="employer_risk_class_1_8"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == EmployerStatus.ACTIVE

    @property
    def contact_phone_masked(self) -> str:
        return mask_phone(self.contact_phone)

    @property
    def bank_account_masked(self) -> str:
        return mask_account(self.bank_account)


class Person(models.Model):
    id_type = models.CharField(_("证件类型"), max_length=12)
    id_number = EncryptedTextField(_("证件号码"), aad="person.id_number")
    id_blind = models.CharField(max_length=64, unique=True)  # HMAC blind index of the number
    id_masked = models.CharField(_("证件号码"), max_length=18)
    name = models.CharField(_("姓名"), max_length=100, db_index=True)
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))])
    birth_date = models.DateField(_("出生日期"))
    hukou_region = models.CharField(_("户籍区划"), max_length=6)
    # The district agency that manages this person (employer's district for employees,
    # residence district otherwise); staff jurisdiction is checked against it.
    region_code = models.CharField(_("参保管辖区划"), max_length=6, db_index=True)
    hukou_type = models.CharField(
        _("户口性质"),
        max_length=8,
        choices=_choices(
            HukouType, {HukouType.URBAN: _("城镇"), HukouType.RURAL: _("农村"), HukouType.NONE: _("无")}
        ),
    )
    phone = EncryptedTextField(_("手机号码"), aad="person.phone", blank=True, default="")
    address = models.CharField(_("居住地址"), max_length=200, blank=True, default="")
    bank_name = models.CharField(_("待遇发放银行"), max_length=100, blank=True, default="")
    bank_account = EncryptedTextField(_("待遇发放账号"), aad="person.bank_account", blank=True, default="")
    card_number = models.CharField(_("社会保障卡卡号"), max_length=9, blank=True, default="")
    card_status = models.CharField(
        _("社保卡状态"),
        max_length=12,
        default=CardStatus.NONE,
        choices=_choices(
            CardStatus,
            {
                CardStatus.NONE: _("未制卡"),
                CardStatus.NORMAL: _("正常"),
                CardStatus.LOST: _("挂失"),
                CardStatus.REPLACING: _("补换中"),
                CardStatus.CANCELLED: _("注销"),
            },
        ),
    )
    life_status = models.CharField(
        _("人员状态"),
        max_length=12,
        default=LifeStatus.EMPLOYED,
        choices=_choices(
            LifeStatus,
            {
                LifeStatus.EMPLOYED: _("在职"),
                LifeStatus.UNEMPLOYED: _("失业"),
                LifeStatus.RETIRED: _("退休"),
                LifeStatus.DECEASED: _("死亡"),
            },
        ),
    )
    death_date = models.DateField(_("死亡日期"), null=True, blank=True)
    registered_on = models.DateField(_("登记日期"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name} {self.id_masked}"

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)

    @property
    def bank_account_masked(self) -> str:
        return mask_account(self.bank_account)

    @property
    def is_deceased(self) -> bool:
        return self.life_status == LifeStatus.DECEASED


class Employment(models.Model):
    """增员 … 减员: a person working for an employer, or registered as a flexible worker."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="employments")
    kind = models.CharField(
        _("就业类型"),
        max_length=10,
        choices=_choices(
            EmploymentKind, {EmploymentKind.EMPLOYEE: _("单位职工"), EmploymentKind.FLEXIBLE: _("灵活就业")}
        ),
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="employments"
    )
    is_primary = models.BooleanField(default=True)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    monthly_wage_fen = models.BigIntegerField(_("月工资（分）"), null=True, blank=True)
    end_reason = models.CharField(_("减员原因"), max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(end_date__isnull=True, is_primary=True),
                name="one_active_primary_employment",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=EmploymentKind.EMPLOYEE, employer__isnull=False)
                    | Q(kind=EmploymentKind.FLEXIBLE, employer__isnull=True)
                ),
                name="employment_kind_employer",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="employment_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} person={self.person_id} employer={self.employer_id} {self.start_date}–{self.end_date or ''}"


class Enrolment(models.Model):
    """One state interval of a person's enrolment in one insurance.

    Each (person, insurance) has at most one open row (``end_period`` null): its
    current state. A suspension closes the active row and opens a suspended one,
    so the rows are the full history.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="enrolments")
    insurance = models.CharField(
        _("险种"),
        max_length=14,
        choices=[(i.value, i.label_zh) for i in Insurance],
    )
    status = models.CharField(
        _("参保状态"),
        max_length=12,
        choices=_choices(
            EnrolmentStatus,
            {
                EnrolmentStatus.ACTIVE: _("参保缴费"),
                EnrolmentStatus.SUSPENDED: _("暂停缴费"),
                EnrolmentStatus.TERMINATED: _("终止参保"),
            },
        ),
    )
    employer = models.ForeignKey(
        Employer, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments"
    )
    start_period = models.IntegerField(_("起始所属期"))  # YYYYMM
    end_period = models.IntegerField(_("截止所属期"), null=True, blank=True)  # YYYYMM, inclusive
    reason = models.CharField(_("原因"), max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "insurance"],
                condition=Q(end_period__isnull=True),
                name="one_open_enrolment_per_insurance",
            ),
            models.CheckConstraint(
                condition=Q(end_period__isnull=True) | Q(end_period__gte=models.F("start_period") - 1),
                name="enrolment_periods",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.insurance} {self.status} {self.start_period}–{self.end_period or ''}"
