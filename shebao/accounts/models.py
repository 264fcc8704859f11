"""One user model for every audience, the posts staff hold, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.crypto import EncryptedTextField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields):
        user = self.model(username=username, **fields)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user


class User(AbstractBaseUser):
    KIND_CHOICES = [
        (UserKind.CITIZEN, _("参保人")),
        (UserKind.EMPLOYER, _("单位经办人")),
        (UserKind.AGENT, _("社区代办员")),
        (UserKind.STAFF, _("经办人员")),
        (UserKind.PARTNER, _("部门用户")),
    ]

    username = models.CharField(_("登录名"), max_length=64, unique=True)
    # Citizens also log in with their ID number: HMAC blind index of the normalised
    # 18-character number (purpose "login"), set by ``user_link_person_login``.
    login_blind = models.CharField(max_length=64, null=True, blank=True, unique=True)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    full_name = models.CharField(_("姓名"), max_length=100, blank=True, default="")
    # Links by id, not by foreign key: accounts sits below register in the app map.
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    employer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    department = models.CharField(_("所属部门"), max_length=100, blank=True, default="")  # partner users
    region_code = models.CharField(max_length=6, blank=True, default="")  # agents: their community's county
    is_active = models.BooleanField(default=True)
    must_change_password = models.BooleanField(default=False)
    failed_logins = models.PositiveIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    totp_secret = EncryptedTextField(aad="user.totp_secret", blank=True, default="")
    totp_confirmed = models.BooleanField(default=False)
    totp_last_step = models.BigIntegerField(default=0)  # refuses reuse of a code
    date_joined = models.DateTimeField(auto_now_add=True)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["kind"]

    def __str__(self) -> str:
        return self.username

    @property
    def is_staff_user(self) -> bool:
        return self.kind == UserKind.STAFF


class StaffPost(models.Model):
    """A post (岗位) held by a staff member within a region."""

    POST_CHOICES = [
        (Post.FRONT_DESK, _("窗口受理")),
        (Post.REVIEWER, _("审核")),
        (Post.AUDITOR, _("稽核")),
        (Post.FUND_ACCOUNTANT, _("基金财务")),
        (Post.ADMIN, _("系统管理")),
    ]

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="posts")
    post = models.CharField(max_length=24, choices=POST_CHOICES)
    region_code = models.CharField(max_length=6)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post", "region_code"], name="staffpost_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.post}@{self.region_code}"


class ApiToken(models.Model):
    """A bearer token for API clients. Only a SHA-256 of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"


class Mandate(models.Model):
    """委托代办: a person authorises a community agent to file for them.

    Granted online by the person (consent in the citizen portal) or recorded by
    front-desk staff from a signed paper form; ``item_codes`` is empty for "all
    items" or lists the service-item codes covered. Valid from ``valid_from`` to
    ``valid_until`` (local dates, inclusive) unless revoked. ``person_id`` links by
    id (accounts sits below register); ``person_region_code`` is the person's
    参保管辖区划 when the mandate was recorded (staff lists are scoped by it).
    """

    CHANNEL_CHOICES = [("online", _("网上授权")), ("counter", _("窗口登记"))]

    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mandates_held")
    person_id = models.BigIntegerField(db_index=True)
    person_region_code = models.CharField(max_length=6, blank=True, default="")
    all_items = models.BooleanField(default=False)
    item_codes = models.JSONField(default=list, blank=True)
    valid_from = models.DateField()
    valid_until = models.DateField()
    channel = models.CharField(max_length=8, choices=CHANNEL_CHOICES)
    evidence = models.CharField(_("授权依据"), max_length=500)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="mandates_recorded")
    recorded_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="mandates_revoked"
    )
    revoke_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["agent", "person_id"], name="mandate_agent_person_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")), name="mandate_dates"
            )
        ]

    def __str__(self) -> str:
        return f"mandate {self.pk}: agent {self.agent_id} for person {self.person_id}"

    def covers(self, item_code: str) -> bool:
        return self.all_items or item_code in (self.item_codes or [])

    def status_on(self, day) -> str:
        """ "revoked", "expired", "pending" (starts later) or "valid" on ``day``."""
        if self.revoked_at is not None:
            return "revoked"
        if day > self.valid_until:
            return "expired"
        if day < self.valid_from:
            return "pending"
        return "valid"
