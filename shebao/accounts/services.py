"""Every write about users, posts, passwords, second factors and API tokens.

Each service authorises the actor with the access primitives, validates, writes
with ``update_fields`` or a compare-and-set ``update``, and records the audit entry
in the same transaction. No password, slip, TOTP secret or token ever reaches the
audit log; ID numbers appear only masked.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import re
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shebao.accounts.access import AccessDenied, Grant, grant_over_account, require_any_perm, require_perm
from shebao.accounts.api_auth import hash_token, token_cache_clear
from shebao.accounts.models import ApiToken, Mandate, StaffPost, User
from shebao.accounts.rules import totp as totp_rules
from shebao.accounts.rules.credentials import (
    check_region_code,
    check_username,
    citizen_username,
    new_slip_password,
)
from shebao.accounts.rules.errors import AccountError
from shebao.accounts.rules.permissions import Perm, Post, UserKind, region_covers
from shebao.accounts.selectors import LOGIN_PURPOSE, mandate_get, person_directory, user_posts
from shebao.kernel.audit import audit_record
from shebao.kernel.crypto import blind_index
from shebao.kernel.rules.identifiers import parse_person_id

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "sbt_"  # noqa: S105 - a marker for secret scanners, not a secret
TOKEN_MAX_DAYS = 366


# --- helpers ---------------------------------------------------------------------------


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else timezone.now()


def _get_user(user_id: int) -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise AccountError(field="user_id", code="not_found", zh="用户不存在", en="no such user")
    return user


def _authorise_over(actor, target: User, *, admin_only: bool = False) -> Grant:
    return grant_over_account(actor, target, admin_only=admin_only)


def _not_self(actor, target: User, *, zh: str, en: str) -> None:
    if getattr(actor, "pk", None) == target.pk:
        raise AccountError(field="user_id", code="self", zh=zh, en=en)


def _check_full_name(raw: str, *, required: bool = True) -> str:
    value = (raw or "").strip()
    if required and not value:
        raise AccountError(
            field="full_name", code="required", zh="姓名不能为空", en="the full name is required"
        )
    if len(value) > 100:
        raise AccountError(
            field="full_name",
            code="too_long",
            zh="姓名不能超过100个字",
            en="the full name is longer than 100 characters",
        )
    return value


def _check_posts(
    posts: Iterable[tuple[Post | str, str]], *, allow_empty: bool = False
) -> list[tuple[Post, str]]:
    checked: list[tuple[Post, str]] = []
    for index, item in enumerate(posts):
        try:
            raw_post, raw_region = item
            post = Post(raw_post)
        except (TypeError, ValueError):
            raise AccountError(
                field=f"posts[{index}].post",
                code="post_unknown",
                zh=f"第{index + 1}个岗位不存在",
                en=f"post {index + 1} is not a known post",
            ) from None
        region = check_region_code(raw_region, field=f"posts[{index}].region_code")
        if (post, region) not in checked:
            checked.append((post, region))
    if not checked and not allow_empty:
        raise AccountError(
            field="posts", code="required", zh="至少要设置一个岗位", en="at least one post is required"
        )
    return sorted(checked)


def _posts_for_audit(posts: Iterable[tuple[Post, str]]) -> list[str]:
    return [f"{post.value}@{region}" for post, region in posts]


def _create_user(*, username: str, kind: UserKind, full_name: str, password: str, **fields) -> User:
    """Insert a user who must change the given one-time password at first login."""
    taken = AccountError(
        field="username",
        code="username_taken",
        zh=f"登录名“{username}”已被使用",
        en=f"the login name “{username}” is already taken",
    )
    if User.objects.filter(username=username).exists():
        raise taken
    user = User(username=username, kind=kind, full_name=full_name, must_change_password=True, **fields)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError:
        raise taken from None
    return user


def _user_audit(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "kind": user.kind,
        "full_name": user.full_name,
        "person_id": user.person_id,
        "employer_id": user.employer_id,
        "region_code": user.region_code,
        "department": user.department,
        "is_active": user.is_active,
    }


# --- login, lockout, passwords ---------------------------------------------------------


def user_login_failed(*, user: User, reason: str, now: dt.datetime | None = None) -> dt.datetime | None:
    """Count one failed login (wrong password or second factor) without losing concurrent
    counts; lock the account when the count reaches the threshold. Returns the time the
    lock ends when this failure locked the account, else None."""
    now = _now(now)
    threshold = settings.SHEBAO_LOCKOUT_THRESHOLD
    locked_until = None
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        failed = User.objects.filter(pk=user.pk).values_list("failed_logins", flat=True).get()
        audit_record(
            action="auth.login_failed",
            object_type="user",
            object_id=user.pk,
            after={"reason": reason, "failed_logins": failed},
            actor=user,
        )
        if failed >= threshold:
            until = now + dt.timedelta(minutes=settings.SHEBAO_LOCKOUT_MINUTES)
            # Compare-and-set: of racing failures only one crosses the threshold.
            if User.objects.filter(pk=user.pk, failed_logins__gte=threshold).update(
                locked_until=until, failed_logins=0
            ):
                locked_until = until
                audit_record(
                    action="auth.locked",
                    object_type="user",
                    object_id=user.pk,
                    after={"locked_until": until.isoformat(), "reason": reason, "failed_logins": failed},
                    actor=user,
                )
    user.refresh_from_db(fields=["failed_logins", "locked_until"])
    return locked_until


def user_login_refused(*, user: User, reason: str) -> None:
    """Record a refused login that does not count as a guess (account locked or inactive)."""
    with transaction.atomic():
        audit_record(
            action="auth.login_failed",
            object_type="user",
            object_id=user.pk,
            after={"reason": reason},
            actor=user,
        )


def user_second_factor_required(user: User) -> bool:
    return user.kind == UserKind.STAFF


def user_login_succeeded(*, user: User) -> None:
    """The password was right. Users without a second factor have fully logged in, so
    their failure count resets; staff keep theirs until the TOTP code is right too."""
    pending = user_second_factor_required(user)
    with transaction.atomic():
        if not pending:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        audit_record(
            action="auth.login",
            object_type="user",
            object_id=user.pk,
            after={"second_factor": "pending" if pending else "not_required"},
            actor=user,
        )
    if not pending:
        user.failed_logins, user.locked_until = 0, None


def user_change_password(*, user: User, new_password: str) -> None:
    """Set a password the user chose (validators from settings); clears the
    first-login flag. Raises django ValidationError with the validators' messages."""
    if user.must_change_password and user.check_password(new_password):
        raise ValidationError(
            "新密码不能与初始密码相同。The new password must differ from the one-time password.",
            code="password_unchanged",
        )
    validate_password(new_password, user)
    with transaction.atomic():
        before = {"must_change_password": user.must_change_password}
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        audit_record(
            action="user.password_changed",
            object_type="user",
            object_id=user.pk,
            before=before,
            after={"must_change_password": False},
            actor=user,
        )


def user_issue_password_slip(*, actor: User, user_id: int) -> str:
    """A new random one-time password (密码条) for ``user_id``: set it, require a change
    at next login, unlock. Returns the password to print; it is stored only hashed."""
    target = _get_user(user_id)
    if not target.is_active:
        raise AccountError(
            field="user_id",
            code="inactive",
            zh="该账户已停用，不能签发密码条",
            en="this account is deactivated",
        )
    grant = _authorise_over(actor, target)
    password = new_slip_password()
    with transaction.atomic():
        before = {
            "must_change_password": target.must_change_password,
            "failed_logins": target.failed_logins,
            "locked_until": target.locked_until.isoformat() if target.locked_until else None,
        }
        target.set_password(password)
        target.must_change_password = True
        target.failed_logins = 0
        target.locked_until = None
        target.save(update_fields=["password", "must_change_password", "failed_logins", "locked_until"])
        audit_record(
            action="user.password_slip_issued",
            object_type="user",
            object_id=target.pk,
            before=before,
            after={"must_change_password": True, "failed_logins": 0, "locked_until": None},
            actor=actor,
            post=grant.post,
        )
    return password


def user_link_person_login(*, user: User, id_number: str, actor: User | None = None) -> None:
    """Let ``user`` log in with this ID number (15 or 18 characters; stored only as a
    keyed blind index). Raises IdentifierError for a bad number, AccountError when the
    number already opens another account."""
    parsed = parse_person_id(id_number)
    blind = blind_index(parsed.number, purpose=LOGIN_PURPOSE)
    if User.objects.filter(login_blind=blind).exclude(pk=user.pk).exists():
        raise AccountError(
            field="id_number",
            code="id_number_taken",
            zh="该证件号码已用于登录另一个账户",
            en="this ID number already logs in to another account",
        )
    with transaction.atomic():
        had = bool(user.login_blind)
        user.login_blind = blind
        try:
            with transaction.atomic():
                user.save(update_fields=["login_blind"])
        except IntegrityError:
            raise AccountError(
                field="id_number",
                code="id_number_taken",
                zh="该证件号码已用于登录另一个账户",
                en="this ID number already logs in to another account",
            ) from None
        audit_record(
            action="user.login_linked",
            object_type="user",
            object_id=user.pk,
            before={"id_login": had},
            after={"id_login": True, "id_number": parsed.masked},
            actor=actor,
        )


# --- second factor (TOTP) --------------------------------------------------------------


class OtpOutcome(enum.StrEnum):
    OK = "ok"
    WRONG = "wrong"
    REPLAYED = "replayed"
    LOCKED = "locked"


def user_totp_begin_enrolment(*, user: User) -> str:
    """The secret to show on the enrolment page: a new one, or the unconfirmed one
    already issued (so reloading the page keeps the same QR code)."""
    if user.totp_confirmed:
        raise AccountError(
            field="totp",
            code="already_enrolled",
            zh="已绑定动态口令",
            en="a one-time-code app is already set up",
        )
    if user.totp_secret:
        return user.totp_secret
    secret = totp_rules.new_secret()
    with transaction.atomic():
        user.totp_secret = secret
        user.save(update_fields=["totp_secret"])
        audit_record(
            action="user.totp_enrolment_started",
            object_type="user",
            object_id=user.pk,
            after={"totp_confirmed": False},
            actor=user,
        )
    return secret


def user_totp_confirm(*, user: User, code: str, now: dt.datetime | None = None) -> bool:
    """Confirm enrolment with a code from the app. True when accepted; the second
    factor then counts as passed for this login."""
    if user.totp_confirmed or not user.totp_secret:
        raise AccountError(
            field="totp",
            code="not_enrolling",
            zh="没有待确认的动态口令",
            en="no one-time-code setup is pending",
        )
    step = totp_rules.matching_step(user.totp_secret, code, timestamp=_now(now).timestamp())
    if step is None:
        return False
    with transaction.atomic():
        if not User.objects.filter(pk=user.pk, totp_confirmed=False, totp_last_step__lt=step).update(
            totp_confirmed=True, totp_last_step=step, failed_logins=0, locked_until=None
        ):
            return False
        audit_record(
            action="user.totp_enrolled",
            object_type="user",
            object_id=user.pk,
            before={"totp_confirmed": False},
            after={"totp_confirmed": True},
            actor=user,
        )
    user.refresh_from_db(fields=["totp_confirmed", "totp_last_step", "failed_logins", "locked_until"])
    return True


def user_totp_verify(*, user: User, code: str, now: dt.datetime | None = None) -> OtpOutcome:
    """Check the second factor after a password login. A code of a time step already
    used is refused (compare-and-set on ``totp_last_step``); wrong and replayed codes
    count towards the lockout like wrong passwords."""
    if not user.totp_confirmed:
        raise AccountError(
            field="totp", code="not_enrolled", zh="尚未绑定动态口令", en="no one-time-code app is set up"
        )
    now = _now(now)
    user.refresh_from_db(fields=["locked_until"])
    if user.locked_until and user.locked_until > now:
        user_login_refused(user=user, reason="locked")
        return OtpOutcome.LOCKED
    step = totp_rules.matching_step(user.totp_secret, code, timestamp=now.timestamp())
    if step is not None:
        with transaction.atomic():
            if User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                totp_last_step=step, failed_logins=0, locked_until=None
            ):
                audit_record(
                    action="auth.otp_verified",
                    object_type="user",
                    object_id=user.pk,
                    after={"ok": True},
                    actor=user,
                )
                user.refresh_from_db(fields=["totp_last_step", "failed_logins", "locked_until"])
                return OtpOutcome.OK
    reason = "otp" if step is None else "otp_replayed"
    if user_login_failed(user=user, reason=reason, now=now):
        return OtpOutcome.LOCKED
    return OtpOutcome.WRONG if step is None else OtpOutcome.REPLAYED


def user_reset_totp(*, actor: User, user_id: int) -> None:
    """Forget a staff member's authenticator (lost phone): they enrol again at next login."""
    target = _get_user(user_id)
    _not_self(actor, target, zh="不能重置自己的动态口令", en="you cannot reset your own one-time-code app")
    if target.kind != UserKind.STAFF:
        raise AccountError(
            field="user_id",
            code="not_staff",
            zh="只有经办人员使用动态口令",
            en="only staff use one-time codes",
        )
    grant = _authorise_over(actor, target)
    with transaction.atomic():
        before = {"totp_confirmed": target.totp_confirmed}
        target.totp_secret = ""
        target.totp_confirmed = False
        target.save(update_fields=["totp_secret", "totp_confirmed"])
        audit_record(
            action="user.totp_reset",
            object_type="user",
            object_id=target.pk,
            before=before,
            after={"totp_confirmed": False},
            actor=actor,
            post=grant.post,
        )


# --- accounts for each audience ---------------------------------------------------------


def staff_create(
    *, actor: User, username: str, full_name: str, posts: list[tuple[Post, str]]
) -> tuple[User, str]:
    """A staff member holding ``posts`` [(post, region code)]; the actor needs 系统管理
    in every region granted. Returns the user and the one-time password for the slip."""
    username = check_username(username)
    full_name = _check_full_name(full_name)
    checked = _check_posts(posts)
    grants = [require_perm(actor, Perm.USER_ADMIN, region) for _, region in checked]
    password = new_slip_password()
    with transaction.atomic():
        user = _create_user(username=username, kind=UserKind.STAFF, full_name=full_name, password=password)
        StaffPost.objects.bulk_create([StaffPost(user=user, post=p, region_code=r) for p, r in checked])
        audit_record(
            action="user.staff_created",
            object_type="user",
            object_id=user.pk,
            after={**_user_audit(user), "posts": _posts_for_audit(checked)},
            actor=actor,
            post=grants[0].post,
        )
    return user, password


def staff_bootstrap_admin(*, username: str, full_name: str, region_code: str) -> tuple[User, str]:
    """The first 系统管理 account of an installation (management command only): refused
    once any active administrator exists."""
    username = check_username(username)
    full_name = _check_full_name(full_name)
    region_code = check_region_code(region_code)
    if StaffPost.objects.filter(post=Post.ADMIN, user__is_active=True).exists():
        raise AccountError(
            field="username",
            code="admin_exists",
            zh="已有系统管理员，请由其在系统内创建账户",
            en="an administrator already exists: ask them to create the account",
        )
    password = new_slip_password()
    with transaction.atomic():
        user = _create_user(username=username, kind=UserKind.STAFF, full_name=full_name, password=password)
        StaffPost.objects.create(user=user, post=Post.ADMIN, region_code=region_code)
        audit_record(
            action="user.staff_created",
            object_type="user",
            object_id=user.pk,
            after={
                **_user_audit(user),
                "posts": _posts_for_audit([(Post.ADMIN, region_code)]),
                "bootstrap": True,
            },
        )
    return user, password


def staff_set_posts(*, actor: User, user_id: int, posts: list[tuple[Post, str]]) -> None:
    """Replace a staff member's posts. The actor needs 系统管理 in every region of the
    posts removed and added, and may not change their own."""
    target = _get_user(user_id)
    if target.kind != UserKind.STAFF:
        raise AccountError(
            field="user_id", code="not_staff", zh="只有经办人员可以设置岗位", en="only staff hold posts"
        )
    _not_self(actor, target, zh="不能修改自己的岗位", en="you cannot change your own posts")
    new = _check_posts(posts, allow_empty=True)
    old = user_posts(target)
    regions = sorted({r for _, r in old} | {r for _, r in new})
    grants = [require_perm(actor, Perm.USER_ADMIN, region) for region in regions]
    if old == new:
        return
    with transaction.atomic():
        removed = [item for item in old if item not in new]
        added = [item for item in new if item not in old]
        for post, region in removed:
            StaffPost.objects.filter(user=target, post=post, region_code=region).delete()
        StaffPost.objects.bulk_create([StaffPost(user=target, post=p, region_code=r) for p, r in added])
        audit_record(
            action="user.posts_set",
            object_type="user",
            object_id=target.pk,
            before={"posts": _posts_for_audit(old)},
            after={"posts": _posts_for_audit(new)},
            actor=actor,
            post=grants[0].post if grants else "",
        )
        transaction.on_commit(token_cache_clear)


def _set_active(*, actor: User, user_id: int, active: bool) -> None:
    target = _get_user(user_id)
    _not_self(actor, target, zh="不能停用或启用自己的账户", en="you cannot deactivate or reactivate yourself")
    grant = _authorise_over(actor, target)
    if target.is_active == active:
        return
    with transaction.atomic():
        target.is_active = active
        target.save(update_fields=["is_active"])
        audit_record(
            action="user.reactivated" if active else "user.deactivated",
            object_type="user",
            object_id=target.pk,
            before={"is_active": not active},
            after={"is_active": active},
            actor=actor,
            post=grant.post,
        )
        transaction.on_commit(token_cache_clear)


def user_deactivate(*, actor: User, user_id: int) -> None:
    """Stop an account from logging in (sessions and API tokens stop working too)."""
    _set_active(actor=actor, user_id=user_id, active=False)


def user_reactivate(*, actor: User, user_id: int) -> None:
    _set_active(actor=actor, user_id=user_id, active=True)


def citizen_account_create(
    *, actor: User, person_id: int, id_number: str, full_name: str, region_code: str | None = None
) -> tuple[User, str]:
    """A citizen's own account, linked to the person and logging in with the ID number.
    ``region_code`` is the person's 参保管辖区划: the actor needs 个人业务 (front desk)
    or 系统管理 there (anywhere, when not given)."""
    if region_code is not None:
        region_code = check_region_code(region_code)
    grant = require_any_perm(actor, (Perm.USER_ADMIN, Perm.PERSON_WRITE), region_code)
    full_name = _check_full_name(full_name)
    parsed = parse_person_id(id_number)
    if User.objects.filter(person_id=person_id, kind=UserKind.CITIZEN).exists():
        raise AccountError(
            field="person_id",
            code="citizen_account_exists",
            zh="该参保人已有账户，如忘记密码请签发密码条",
            en="this person already has an account: issue a password slip if the password is lost",
        )
    blind = blind_index(parsed.number, purpose=LOGIN_PURPOSE)
    if User.objects.filter(login_blind=blind).exists():
        raise AccountError(
            field="id_number",
            code="id_number_taken",
            zh="该证件号码已用于登录另一个账户",
            en="this ID number already logs in to another account",
        )
    password = new_slip_password()
    with transaction.atomic():
        user = _create_user(
            username=citizen_username(person_id),
            kind=UserKind.CITIZEN,
            full_name=full_name,
            password=password,
            person_id=person_id,
            region_code=region_code or "",
            login_blind=blind,
        )
        audit_record(
            action="user.citizen_created",
            object_type="user",
            object_id=user.pk,
            after={**_user_audit(user), "id_number": parsed.masked},
            actor=actor,
            post=grant.post,
        )
    return user, password


def employer_operator_create(
    *, actor: User, employer_id: int, employer_region_code: str, username: str, full_name: str
) -> tuple[User, str]:
    """An employer's operator (单位经办人) account; needs 单位业务 or 系统管理 in the
    employer's region."""
    region = check_region_code(employer_region_code, field="employer_region_code")
    grant = require_any_perm(actor, (Perm.USER_ADMIN, Perm.EMPLOYER_WRITE), region)
    username = check_username(username)
    full_name = _check_full_name(full_name)
    password = new_slip_password()
    with transaction.atomic():
        user = _create_user(
            username=username,
            kind=UserKind.EMPLOYER,
            full_name=full_name,
            password=password,
            employer_id=employer_id,
            region_code=region,
        )
        audit_record(
            action="user.employer_operator_created",
            object_type="user",
            object_id=user.pk,
            after=_user_audit(user),
            actor=actor,
            post=grant.post,
        )
    return user, password


def agent_create(*, actor: User, username: str, full_name: str, region_code: str) -> tuple[User, str]:
    """A community agent (社区代办员) working in ``region_code``; needs 系统管理 there."""
    region = check_region_code(region_code)
    grant = require_perm(actor, Perm.USER_ADMIN, region)
    username = check_username(username)
    full_name = _check_full_name(full_name)
    password = new_slip_password()
    with transaction.atomic():
        user = _create_user(
            username=username, kind=UserKind.AGENT, full_name=full_name, password=password, region_code=region
        )
        audit_record(
            action="user.agent_created",
            object_type="user",
            object_id=user.pk,
            after=_user_audit(user),
            actor=actor,
            post=grant.post,
        )
    return user, password


def partner_user_create(
    *, actor: User, username: str, department: str, full_name: str = ""
) -> tuple[User, str]:
    """A user of a partner department (部门共享); needs city-wide 系统管理."""
    grant = require_perm(actor, Perm.USER_ADMIN, settings.SHEBAO_CITY_CODE)
    username = check_username(username)
    department = (department or "").strip()
    if not department or len(department) > 100:
        raise AccountError(
            field="department",
            code="required",
            zh="所属部门不能为空且不超过100字",
            en="the department is required (at most 100 characters)",
        )
    full_name = _check_full_name(full_name, required=False)
    password = new_slip_password()
    with transaction.atomic():
        user = _create_user(
            username=username,
            kind=UserKind.PARTNER,
            full_name=full_name,
            password=password,
            department=department,
        )
        audit_record(
            action="user.partner_created",
            object_type="user",
            object_id=user.pk,
            after=_user_audit(user),
            actor=actor,
            post=grant.post,
        )
    return user, password


# --- API tokens ----------------------------------------------------------------------------


def api_token_create(
    *, actor: User, user_id: int, name: str, days: int = 90, now: dt.datetime | None = None
) -> str:
    """A bearer token for ``user_id``, valid ``days`` days (1–366). Returns the raw
    token, to be shown once; only its SHA-256 is stored. Needs 系统管理 over the user."""
    target = _get_user(user_id)
    if not target.is_active:
        raise AccountError(
            field="user_id", code="inactive", zh="该账户已停用", en="this account is deactivated"
        )
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise AccountError(
            field="name",
            code="required",
            zh="令牌名称不能为空且不超过100字",
            en="the token name is required (at most 100 characters)",
        )
    if not isinstance(days, int) or not 1 <= days <= TOKEN_MAX_DAYS:
        raise AccountError(
            field="days",
            code="range",
            zh=f"有效天数应在1至{TOKEN_MAX_DAYS}之间",
            en=f"the validity must be 1 to {TOKEN_MAX_DAYS} days",
        )
    grant = _authorise_over(actor, target, admin_only=True)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = _now(now) + dt.timedelta(days=days)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=target, name=name, prefix=raw[:12], key_hash=hash_token(raw), expires_at=expires_at
        )
        audit_record(
            action="api_token.created",
            object_type="api_token",
            object_id=token.pk,
            after={
                "user_id": target.pk,
                "name": name,
                "prefix": token.prefix,
                "expires_at": expires_at.isoformat(),
            },
            actor=actor,
            post=grant.post,
        )
    return raw


def api_token_revoke(*, actor: User, token_id: int, now: dt.datetime | None = None) -> None:
    """Revoke a token (its owner, or 系统管理 over the owner). Revoking twice is a no-op."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise AccountError(field="token_id", code="not_found", zh="令牌不存在", en="no such token")
    post = ""
    if token.user_id != getattr(actor, "pk", None):
        post = _authorise_over(actor, token.user, admin_only=True).post
    at = _now(now)
    with transaction.atomic():
        if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=at):
            return
        audit_record(
            action="api_token.revoked",
            object_type="api_token",
            object_id=token.pk,
            before={"revoked": False},
            after={"revoked": True, "user_id": token.user_id, "prefix": token.prefix},
            actor=actor,
            post=post,
        )
        transaction.on_commit(token_cache_clear)


# --- 委托代办 (mandates for community agents) ---------------------------------------------

MANDATE_MAX_DAYS = 3 * 366  # an authorisation runs for at most about three years
MANDATE_MAX_ITEMS = 50
_ITEM_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}")
ONLINE_CONSENT = "本人网上确认授权 / online consent by the person"


def _mandate_error(field: str, code: str, zh: str, en: str) -> AccountError:
    return AccountError(field=field, code=code, zh=zh, en=en)


def _clean_item_codes(item_codes: list[str] | None) -> list[str] | None:
    if item_codes is None:
        return None
    if isinstance(item_codes, str) or not isinstance(item_codes, list | tuple):
        raise _mandate_error(
            "item_codes", "invalid", "委托事项应为事项编码列表", "item_codes must be a list of item codes"
        )
    cleaned: list[str] = []
    for raw in item_codes:
        code = str(raw or "").strip()
        if not _ITEM_CODE.fullmatch(code):
            raise _mandate_error(
                "item_codes",
                "invalid",
                f"事项编码“{code[:40]}”格式不正确",
                f"the item code “{code[:40]}” is not valid (letters, digits, _ . -)",
            )
        if code not in cleaned:
            cleaned.append(code)
    if not cleaned:
        raise _mandate_error(
            "item_codes",
            "required",
            "请至少选择一个委托事项，或选择“全部事项”",
            "choose at least one item, or all items",
        )
    if len(cleaned) > MANDATE_MAX_ITEMS:
        raise _mandate_error(
            "item_codes",
            "too_many",
            f"委托事项最多{MANDATE_MAX_ITEMS}项",
            f"at most {MANDATE_MAX_ITEMS} items",
        )
    return cleaned


def _clean_valid_until(value, *, today: dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else None
    elif isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        raise _mandate_error(
            "valid_until",
            "invalid",
            "请填写有效期截止日期（年-月-日）",
            "valid_until must be a date (YYYY-MM-DD)",
        )
    if value < today:
        raise _mandate_error(
            "valid_until", "past", "有效期截止日期不能早于今天", "valid_until must not be before today"
        )
    if (value - today).days > MANDATE_MAX_DAYS:
        raise _mandate_error(
            "valid_until", "too_long", "委托有效期最长三年", "a mandate may run for at most three years"
        )
    return value


def _mandate_person(person_id):
    person = person_directory(person_id=person_id)
    if person is None:
        raise _mandate_error("person_id", "not_found", "参保人不存在", "no such person")
    return person


def _mandate_audit(mandate: Mandate) -> dict[str, object]:
    return {
        "agent_id": mandate.agent_id,
        "person_id": mandate.person_id,
        "items": "all" if mandate.all_items else list(mandate.item_codes),
        "valid_from": mandate.valid_from,
        "valid_until": mandate.valid_until,
        "channel": mandate.channel,
        "evidence": mandate.evidence,
    }


def mandate_grant(
    *,
    actor: User,
    agent_id: int,
    person_id: int,
    item_codes: list[str] | None,
    valid_until: dt.date,
    evidence: str,
    now: dt.datetime | None = None,
) -> Mandate:
    """委托代办: authorise the agent ``agent_id`` to file for ``person_id`` — all items
    (``item_codes=None``) or the listed item codes — from today to ``valid_until``.

    By the person themself (a citizen account linked to the person: online consent;
    ``evidence`` may be blank) or recorded by staff holding 个人业务 in the person's
    region from a signed paper form (``evidence`` names the form or its reference).
    The agent must be an active community agent whose region covers the person's.
    One valid mandate per agent and person: revoke the old one to change it.
    """
    now = _now(now)
    today = timezone.localdate(now)
    person = _mandate_person(person_id)
    grant: Grant | None = None
    kind = getattr(actor, "kind", None)
    if kind == UserKind.CITIZEN and actor.is_active:
        if actor.person_id is None or actor.person_id != person.id:
            raise AccessDenied(zh="只能为本人办理委托授权", en="you may only grant a mandate for yourself")
        channel = "online"
    elif kind == UserKind.STAFF:
        grant = require_perm(actor, Perm.PERSON_WRITE, person.region_code)
        channel = "counter"
    else:
        raise AccessDenied(
            zh="委托授权须由本人网上确认或由窗口人员依书面授权书登记",
            en="a mandate is granted by the person online or recorded by front-desk staff from a signed form",
        )
    if person.is_deceased:
        raise _mandate_error(
            "person_id", "deceased", "该参保人已登记死亡，不能委托", "the person is registered as deceased"
        )
    evidence = (evidence or "").strip()
    if channel == "online" and not evidence:
        evidence = ONLINE_CONSENT
    if not evidence:
        raise _mandate_error(
            "evidence",
            "required",
            "请填写书面授权书的编号或说明",
            "the reference or description of the signed authorisation form is required",
        )
    if len(evidence) > 500:
        raise _mandate_error(
            "evidence", "too_long", "授权依据最多500字", "the evidence is at most 500 characters"
        )
    codes = _clean_item_codes(item_codes)
    until = _clean_valid_until(valid_until, today=today)
    with transaction.atomic():
        # Lock the agent's row: two grants at once for the same agent are serialised,
        # so the "one valid mandate per agent and person" check below holds.
        agent = User.objects.select_for_update().filter(pk=agent_id).first()
        if agent is None or agent.kind != UserKind.AGENT or not agent.is_active:
            raise _mandate_error(
                "agent_id",
                "not_agent",
                "受托人不是有效的社区代办员",
                "the agent is not an active community agent",
            )
        if not region_covers(agent.region_code, person.region_code):
            raise _mandate_error(
                "agent_id",
                "other_region",
                "该代办员所在社区不负责此参保人的辖区",
                "this agent's community does not serve the person's region",
            )
        existing = Mandate.objects.filter(
            agent_id=agent.pk, person_id=person.id, revoked_at__isnull=True, valid_until__gte=today
        ).exists()
        if existing:
            raise _mandate_error(
                "agent_id",
                "exists",
                "该代办员已有您的有效委托，如需变更请先撤销原委托",
                "this agent already holds a valid mandate from the person: revoke it first to change it",
            )
        mandate = Mandate.objects.create(
            agent=agent,
            person_id=person.id,
            person_region_code=person.region_code,
            all_items=codes is None,
            item_codes=codes or [],
            valid_from=today,
            valid_until=until,
            channel=channel,
            evidence=evidence,
            recorded_by=actor,
            recorded_at=now,
        )
        audit_record(
            action="mandate.grant",
            object_type="mandate",
            object_id=mandate.pk,
            after=_mandate_audit(mandate),
            actor=actor,
            post=grant.post if grant else "",
        )
    return mandate


def mandate_revoke(
    *, actor: User, mandate_id: int, reason: str = "", now: dt.datetime | None = None
) -> Mandate:
    """Revoke a mandate at once: by the person who gave it (reason optional) or by staff
    with 个人业务 in the person's region (reason required). Compare-and-set: of two
    revocations at once exactly one succeeds; the other gets "already revoked"."""
    now = _now(now)
    mandate = mandate_get(mandate_id=mandate_id)
    if mandate is None:
        raise AccessDenied(zh="委托不存在或无权访问", en="no such mandate, or access denied")
    reason = (reason or "").strip()
    grant: Grant | None = None
    kind = getattr(actor, "kind", None)
    if kind == UserKind.CITIZEN and actor.is_active and actor.person_id == mandate.person_id:
        reason = reason or "本人撤销 / revoked by the person"
    elif kind == UserKind.STAFF:
        person = _mandate_person(mandate.person_id)
        grant = require_perm(actor, Perm.PERSON_WRITE, person.region_code)
        if not reason:
            raise _mandate_error(
                "reason", "required", "请填写撤销原因", "a reason for the revocation is required"
            )
    else:
        raise AccessDenied(zh="委托不存在或无权访问", en="no such mandate, or access denied")
    if len(reason) > 200:
        raise _mandate_error(
            "reason", "too_long", "撤销原因最多200字", "the reason is at most 200 characters"
        )
    with transaction.atomic():
        changed = Mandate.objects.filter(pk=mandate.pk, revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=actor, revoke_reason=reason
        )
        if not changed:
            raise _mandate_error(
                "mandate_id", "already_revoked", "该委托已撤销", "this mandate is already revoked"
            )
        audit_record(
            action="mandate.revoke",
            object_type="mandate",
            object_id=mandate.pk,
            before={"revoked": False},
            after={
                "revoked": True,
                "reason": reason,
                "person_id": mandate.person_id,
                "agent_id": mandate.agent_id,
            },
            actor=actor,
            post=grant.post if grant else "",
        )
    mandate.refresh_from_db()
    return mandate
