"""网上办事大厅: the catalogue of service items with their guides, and applications (cases).

Cases link to persons, employers and users by plain id (the register and accounts sit
below the hall in the app map). Workflow states and transitions: ``rules/workflow.py``;
writes: ``services.py``; ADR 0010.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shebao.hall.rules.workflow import CaseStatus


class Audience(models.TextChoices):
    PERSON = "person", _("个人")
    EMPLOYER = "employer", _("单位")
    AGENT = "agent", _("社区代办")


class OnlineLevel(models.TextChoices):
    FULL = "full", _("全程网办")
    BOOK = "book", _("网上预约+窗口")
    COUNTER = "counter", _("窗口办理")


class ServiceItem(models.Model):
    """事项: one service the agency offers, and how it can be done."""

    code = models.CharField(_("事项编码"), max_length=40, unique=True)
    name_zh = models.CharField(_("事项名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=150, blank=True, default="")
    audience = models.CharField(_("服务对象"), max_length=12, choices=Audience.choices)
    category = models.CharField(_("业务类别"), max_length=40)
    life_event = models.CharField(_("人生事件"), max_length=40, blank=True, default="")
    online_level = models.CharField(_("网办程度"), max_length=12, choices=OnlineLevel.choices)
    channels = models.JSONField(_("办理渠道"), default=list)  # ["web", "app", "kiosk", "counter"]
    time_limit_days = models.PositiveSmallIntegerField(_("法定办结时限（工作日）"), default=0)
    fee = models.CharField(_("收费标准"), max_length=60, default="不收费")
    sensitive = models.BooleanField(_("须经复核"), default=False)
    instant = models.BooleanField(_("即时办结"), default=False)
    active = models.BooleanField(_("在用"), default=True)
    keywords = models.CharField(_("检索关键词"), max_length=200, blank=True, default="")
    sort_order = models.PositiveSmallIntegerField(default=100)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Guide(models.Model):
    """办事指南 of one item (edited by CATALOGUE_ADMIN, audited)."""

    item = models.OneToOneField(ServiceItem, on_delete=models.CASCADE, related_name="guide")
    conditions = models.TextField(_("办理条件"), blank=True, default="")
    steps = models.JSONField(_("办理流程"), default=list)  # list of strings
    legal_basis = models.TextField(_("设定依据"), blank=True, default="")
    notes = models.TextField(_("注意事项"), blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"guide {self.item_id}"


class Material(models.Model):
    """One required (or optional) material of an item's guide."""

    item = models.ForeignKey(ServiceItem, on_delete=models.CASCADE, related_name="materials")
    code = models.CharField(max_length=40)
    name = models.CharField(_("材料名称"), max_length=120)
    file_format = models.CharField(_("材料形式"), max_length=60, default="PDF/JPG/PNG")
    example = models.CharField(_("示例"), max_length=200, blank=True, default="")
    system_held = models.BooleanField(_("系统已有，免提交"), default=False)
    required = models.BooleanField(_("必须提交"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [models.UniqueConstraint(fields=["item", "code"], name="hall_material_unique")]

    def __str__(self) -> str:
        return self.name


class Case(models.Model):
    """One application for a service item."""

    item = models.ForeignKey(ServiceItem, on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(_("申请编号"), max_length=20, unique=True)
    status = models.CharField(max_length=12, default=CaseStatus.DRAFT, db_index=True)
    applicant_user_id = models.BigIntegerField(db_index=True)  # who files (citizen, operator or agent)
    agent_user_id = models.BigIntegerField(null=True, blank=True)  # 委托代办: the agent filing
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    employer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    region_code = models.CharField(max_length=6, db_index=True)  # the subject's region: who handles it
    subject_label = models.CharField(max_length=200, blank=True, default="")
    data = models.JSONField(default=dict)  # the form values
    prefill = models.JSONField(default=dict)  # what the register said when the form was opened
    returned_fields = models.JSONField(default=dict)  # field → what to correct (退回补正)
    needs_recheck = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=64)
    assignee_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reviewed_by_id = models.BigIntegerField(null=True, blank=True)  # the 审核, never the 复核
    receipt = models.JSONField(null=True, blank=True)  # 电子签名确认 (signed receipt)
    effect_result = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    due_date_source = models.CharField(max_length=20, blank=True, default="")
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["applicant_user_id", "idempotency_key"], name="hall_case_idempotency"
            ),
            models.CheckConstraint(
                condition=Q(person_id__isnull=False) | Q(employer_id__isnull=False), name="hall_case_subject"
            ),
        ]
        indexes = [models.Index(fields=["region_code", "status"], name="hall_case_queue")]

    def __str__(self) -> str:
        return self.reference

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)


class CaseEvent(models.Model):
    """The timeline: one row per transition (and claim/assign/upload), never updated."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    action = models.CharField(max_length=24)
    from_status = models.CharField(max_length=12, blank=True, default="")
    to_status = models.CharField(max_length=12, blank=True, default="")
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=100, blank=True, default="")
    post = models.CharField(max_length=24, blank=True, default="")
    comment = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.action}"


class Upload(models.Model):
    """An uploaded material file (stored outside the web root; served through an access check)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="uploads")
    material_code = models.CharField(max_length=40)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=120, unique=True)
    uploaded_at = models.DateTimeField()
    uploaded_by_id = models.BigIntegerField(null=True, blank=True)
    removed = models.BooleanField(default=False)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.filename
