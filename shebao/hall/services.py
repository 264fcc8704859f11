"""Service-hall writes: catalogue administration and the case workflow (ADR 0010).

One function per transition. Each locks the case (``select_for_update``), checks the
source state (``rules.workflow.plan``), the actor's post in the case's region, writes
with a compare-and-set on the status, appends the timeline event and the audit entry
in the same transaction. Approval runs the item's effect through the owning app's
service inside that transaction: if the effect is refused, nothing is written. A
submitted case that ends unapproved (审核/复核不通过, 不予受理, 撤回) runs the item's
``on_close`` the same way, so what ``on_submit`` created is closed with the case.
"""

from __future__ import annotations

import datetime as dt
import importlib
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts import selectors as account_selectors
from shebao.accounts.access import AccessDenied, Grant, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.hall import storage
from shebao.hall.errors import CaseError, from_error
from shebao.hall.items import ItemDefinition, Subject, get_item, load_items
from shebao.hall.models import Case, CaseEvent, Guide, Material, ServiceItem, Upload
from shebao.hall.rules.workflow import (
    RETURN_ROLE_BY_SOURCE,
    RULES,
    Action,
    CaseStatus,
    Role,
    TransitionRefused,
    plan,
    role_for,
)
from shebao.kernel.audit import audit_record
from shebao.kernel.calendar import add_working_days_info
from shebao.register import access as register_access
from shebao.register.access import SYSTEM_ACTOR, is_system

ROLE_PERM = {Role.INTAKE: Perm.CASE_ACCEPT, Role.REVIEW: Perm.CASE_REVIEW, Role.RECHECK: Perm.CASE_RECHECK}
MAX_COMMENT = 500
# The outcome ``ItemDefinition.on_close`` is told, per action that ends a case unapproved.
CLOSE_OUTCOME_BY_ACTION = {
    Action.REFUSE: "refused",
    Action.RECHECK_REFUSE: "refused",
    Action.REJECT_INTAKE: "rejected",
    Action.WITHDRAW: "withdrawn",
}

# ---------------------------------------------------------------------------------- helpers


def _post(grant: Grant | None) -> str:
    return str(grant.post) if grant is not None else ""


def _label(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "full_name", "") or (
        actor.get_username() if hasattr(actor, "get_username") else str(actor)
    )


def _live(actor) -> bool:
    return (
        actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False)
    )


def _not_found() -> AccessDenied:
    return AccessDenied(zh="申请不存在或无权访问", en="no such application, or access denied")


def _comment(value: object, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise CaseError(field="comment", zh="请填写意见或理由", en="a comment (reason) is required")
    if len(text) > MAX_COMMENT:
        raise CaseError(
            field="comment",
            zh=f"意见不能超过{MAX_COMMENT}个字",
            en=f"the comment is longer than {MAX_COMMENT} characters",
        )
    return text


def _item(code: str) -> tuple[ItemDefinition, ServiceItem]:
    definition = get_item(str(code or ""))
    row = ServiceItem.objects.filter(code=str(code or ""), active=True).first()
    if definition is None or row is None:
        raise CaseError(
            field="item", zh="该事项不存在或已停办", en="no such service item, or it is no longer offered"
        )
    return definition, row


def _event(
    case: Case,
    *,
    action: str,
    actor,
    post: str = "",
    before: str = "",
    after: str = "",
    comment: str = "",
    at: dt.datetime | None = None,
) -> CaseEvent:
    return CaseEvent.objects.create(
        case=case,
        at=at or timezone.now(),
        action=action,
        from_status=before,
        to_status=after,
        actor_id=getattr(actor, "pk", None),
        actor_label=_label(actor),
        post=post,
        comment=comment,
    )


def _audit(
    case: Case, *, action: str, actor, post: str = "", before: dict | None = None, after: dict | None = None
):
    audit_record(
        action=f"case.{action}",
        object_type="case",
        object_id=case.pk,
        before=before,
        after={"reference": case.reference, "item": case.item.code, **(after or {})},
        actor=actor,
        post=post,
    )


def _mandate_require(*, agent, person_id: int, item_code: str) -> None:
    """委托代办: the accounts app's mandate check, when it is installed; otherwise refused."""
    for module in ("shebao.accounts.mandates", "shebao.accounts.services", "shebao.accounts.selectors"):
        try:
            fn = getattr(importlib.import_module(module), "mandate_require", None)
        except ImportError:
            fn = None
        if fn is not None:
            fn(agent=agent, person_id=person_id, item_code=item_code)
            return
    raise AccessDenied(
        zh="委托代办尚未开通，代办员不能代为申请", en="mandates are not available yet; agents cannot file"
    )


def _receipt_issue(*, purpose: str, payload: dict) -> dict | None:
    """电子签名确认: the kernel's signed receipt, when the signing module is installed."""
    try:
        signing = importlib.import_module("shebao.kernel.signing")
    except ImportError:
        return None
    try:
        return signing.receipt_issue(purpose=purpose, payload=payload)
    except signing.SigningKeyError:
        return None  # no key configured: the kernel's system check reports it


def subject_for(*, actor, definition: ItemDefinition, person_id: int | None = None) -> Subject:
    """Whom ``actor`` may file ``definition`` for: their own record, or (agents) a mandated person."""
    if not _live(actor):
        raise AccessDenied(zh="请先登录", en="please log in")
    kind = actor.kind
    if definition.audience == "employer":
        if kind != UserKind.EMPLOYER or actor.employer_id is None:
            raise AccessDenied(zh="该事项由单位经办人办理", en="this item is filed by an employer's operator")
        employer = register_access.access_employer(user=actor, employer_id=actor.employer_id)
        return Subject(
            employer_id=employer.pk, region_code=employer.region_code, label=employer.name, record=employer
        )
    if kind == UserKind.CITIZEN:
        if actor.person_id is None:
            raise AccessDenied(
                zh="您的账户尚未关联参保人员", en="your account is not linked to an insured person"
            )
        person = register_access.access_person(user=actor, person_id=actor.person_id)
    elif kind == UserKind.AGENT:
        if person_id is None:
            raise CaseError(field="person_id", zh="请选择委托人", en="choose the person you act for")
        _mandate_require(
            agent=actor, person_id=int(person_id), item_code=definition.mandate_code or definition.code
        )
        person = register_access.access_person(user=SYSTEM_ACTOR, person_id=person_id)
    else:
        raise AccessDenied(
            zh="该事项由参保人本人或受托代办员办理", en="this item is filed by the person or their agent"
        )
    return Subject(person_id=person.pk, region_code=person.region_code, label=person.name, record=person)


def _subject_of(case: Case) -> Subject:
    earlier = dict((case.effect_result or {}).get("on_submit") or {})
    if case.person_id is not None:
        person = register_access.access_person(user=SYSTEM_ACTOR, person_id=case.person_id)
        return Subject(
            person_id=person.pk,
            region_code=person.region_code,
            label=person.name,
            record=person,
            case_reference=case.reference,
            earlier_submit=earlier,
        )
    employer = register_access.access_employer(user=SYSTEM_ACTOR, employer_id=case.employer_id)
    return Subject(
        employer_id=employer.pk,
        region_code=employer.region_code,
        label=employer.name,
        record=employer,
        case_reference=case.reference,
        earlier_submit=earlier,
    )


def _lock(case_id) -> Case:
    try:
        return Case.objects.select_for_update().select_related("item").get(pk=int(case_id))
    except (Case.DoesNotExist, TypeError, ValueError):
        raise _not_found() from None


def _own(actor, case: Case) -> None:
    """Applicant-side writes: only the account that filed the case."""
    if not _live(actor) or case.applicant_user_id != actor.pk:
        raise _not_found()


def _staff_grant(actor, perm: Perm, case: Case) -> Grant:
    if not _live(actor) or actor.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理", en="only agency staff may do this")
    grant = grant_for(actor, perm, case.region_code)
    if grant is None:
        raise AccessDenied(
            zh="您的岗位无权办理此辖区的该环节", en="your post may not handle this step in that region"
        )
    return grant


def _new_reference(today: dt.date) -> str:
    while True:
        ref = f"SB{today:%Y%m%d}{secrets.randbelow(10**6):06d}"
        if not Case.objects.filter(reference=ref).exists():
            return ref


def _due(start: dt.date, limit: int) -> tuple[dt.date, str]:
    return add_working_days_info(start, max(int(limit), 0))


def _full_data(definition: ItemDefinition, case: Case, subject: Subject, raw: dict | None) -> dict:
    """Editable values (raw, else the draft), cleaned and validated, plus the read-only prefill."""
    source = {**case.data, **(raw or {})}
    cleaned = definition.clean(source, subject)
    prefill = definition.prefill(subject)
    readonly = {f.name: prefill.get(f.name, "") for f in definition.fields if f.readonly}
    return {**readonly, **cleaned}


def _check_materials(definition: ItemDefinition, case: Case, data: dict) -> None:
    have = set(case.uploads.filter(removed=False).values_list("material_code", flat=True))
    for code in definition.materials_required(data):
        if code not in have:
            spec = next(m for m in definition.materials if m.code == code)
            raise CaseError(
                field=f"material:{code}", zh=f"请上传“{spec.name}”", en=f"please upload: {spec.name}"
            )


# ---------------------------------------------------------------------------------- catalogue

ITEM_CHANGEABLE = {
    "name_zh",
    "name_en",
    "category",
    "life_event",
    "online_level",
    "channels",
    "time_limit_days",
    "fee",
    "active",
    "keywords",
}
GUIDE_CHANGEABLE = {"conditions", "steps", "legal_basis", "notes"}


def catalogue_sync(*, actor=None) -> dict:
    """Write the registry's items into the catalogue (idempotent: creates what is missing,
    never overwrites what administrators edited). Returns counts."""
    created = {"items": 0, "materials": 0}
    with transaction.atomic():
        for definition in load_items().values():
            item, made = ServiceItem.objects.get_or_create(
                code=definition.code,
                defaults={
                    "name_zh": definition.name_zh,
                    "name_en": definition.name_en,
                    "audience": definition.audience,
                    "category": definition.category,
                    "life_event": definition.life_event,
                    "online_level": definition.online_level,
                    "channels": list(definition.channels),
                    "time_limit_days": definition.time_limit_days,
                    "sensitive": definition.sensitive,
                    "instant": definition.instant,
                    "keywords": definition.keywords,
                    "sort_order": definition.sort_order,
                },
            )
            if made:
                created["items"] += 1
                g = definition.guide
                Guide.objects.create(
                    item=item,
                    conditions=g.conditions,
                    steps=list(g.steps),
                    legal_basis=g.legal_basis,
                    notes=g.notes,
                )
            for order, spec in enumerate(definition.materials):
                _, m_made = Material.objects.get_or_create(
                    item=item,
                    code=spec.code,
                    defaults={
                        "name": spec.name,
                        "file_format": spec.file_format,
                        "example": spec.example,
                        "system_held": spec.system_held,
                        "required": spec.required,
                        "sort_order": order,
                    },
                )
                created["materials"] += m_made
        if created["items"] or created["materials"]:
            audit_record(
                action="catalogue.sync", object_type="catalogue", object_id="hall", after=created, actor=actor
            )
    return created


def _catalogue_admin(actor) -> Grant | None:
    if is_system(actor):
        return None
    if not _live(actor) or actor.kind != UserKind.STAFF or grant_for(actor, Perm.CATALOGUE_ADMIN) is None:
        raise AccessDenied(zh="您的岗位无权维护事项目录", en="your post may not edit the catalogue")
    return grant_for(actor, Perm.CATALOGUE_ADMIN)


def _clean_item_change(key: str, value: object) -> object:
    if key not in ITEM_CHANGEABLE:
        raise CaseError(
            field=str(key)[:40],
            zh=f"字段“{str(key)[:40]}”不能修改",
            en=f"{str(key)[:40]!r} cannot be changed",
        )
    if key == "time_limit_days":
        try:
            days = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            days = -1
        if not 0 <= days <= 60:
            raise CaseError(
                field=key, zh="办结时限应为 0–60 个工作日", en="the time limit must be 0–60 working days"
            )
        return days
    if key == "active":
        return value in (True, "true", "on", "1", 1)
    if key == "online_level":
        if value not in ("full", "book", "counter"):
            raise CaseError(field=key, zh="网办程度无效", en="invalid online level")
        return value
    if key == "channels":
        values = [value] if isinstance(value, str) else list(value or [])  # type: ignore[arg-type]
        bad = [v for v in values if v not in ("web", "app", "kiosk", "counter")]
        if bad or not values:
            raise CaseError(field=key, zh="办理渠道无效", en="invalid channels")
        return values
    text = str(value or "").strip()
    if key == "name_zh" and not text:
        raise CaseError(field=key, zh="请填写事项名称", en="the name is required")
    if len(text) > 200:
        raise CaseError(field=key, zh="内容过长（200字以内）", en="too long (200 characters at most)")
    return text


def _catalogue_row_change(row, cleaned: dict, *, action: str, code: str, actor, grant) -> None:
    """Write the fields of ``cleaned`` that differ on the locked catalogue ``row`` (an item
    or its guide) with one audit entry of before/after; nothing when nothing differs."""
    if row is None:
        raise CaseError(field="item", zh="该事项不存在", en="no such item")
    diff = {k: v for k, v in cleaned.items() if getattr(row, k) != v}
    if not diff:
        return
    before = {k: getattr(row, k) for k in diff}
    for k, v in diff.items():
        setattr(row, k, v)
    row.save(update_fields=[*diff, "updated_at"])
    audit_record(
        action=action, object_type="service_item", object_id=code, before=before, after=diff,
        actor=actor, post=_post(grant),
    )


def catalogue_item_change(*, actor, code: str, changes: dict) -> ServiceItem:
    """Edit an item's catalogue entry (CATALOGUE_ADMIN; audited with before/after)."""
    grant = _catalogue_admin(actor)
    cleaned = {k: _clean_item_change(k, v) for k, v in changes.items()}
    with transaction.atomic():
        item = ServiceItem.objects.select_for_update().filter(code=code).first()
        _catalogue_row_change(item, cleaned, action="catalogue.item_change", code=code, actor=actor, grant=grant)
    return item


def catalogue_guide_change(*, actor, code: str, changes: dict) -> Guide:
    """Edit an item's guide (办事指南) text (CATALOGUE_ADMIN; audited)."""
    grant = _catalogue_admin(actor)
    cleaned: dict = {}
    for key, value in changes.items():
        if key not in GUIDE_CHANGEABLE:
            raise CaseError(
                field=str(key)[:40],
                zh=f"字段“{str(key)[:40]}”不能修改",
                en=f"{str(key)[:40]!r} cannot be changed",
            )
        if key == "steps":
            lines = value.splitlines() if isinstance(value, str) else list(value or [])
            cleaned[key] = [str(s).strip()[:200] for s in lines if str(s).strip()]
        else:
            text = str(value or "").strip()
            if len(text) > 4000:
                raise CaseError(
                    field=key, zh="内容过长（4000字以内）", en="too long (4000 characters at most)"
                )
            cleaned[key] = text
    with transaction.atomic():
        guide = Guide.objects.select_for_update().filter(item__code=code).first()
        _catalogue_row_change(guide, cleaned, action="catalogue.guide_change", code=code, actor=actor, grant=grant)
    return guide


def catalogue_change(*, actor, code: str, item: dict | None = None, guide: dict | None = None) -> ServiceItem:
    """Item and guide edits together: both or neither."""
    with transaction.atomic():
        if item:
            catalogue_item_change(actor=actor, code=code, changes=item)
        if guide:
            catalogue_guide_change(actor=actor, code=code, changes=guide)
    return ServiceItem.objects.get(code=code)


# ---------------------------------------------------------------------------------- applicant side


def case_start(
    *, actor, item_code: str, idempotency_key: str, person_id: int | None = None, data: dict | None = None
) -> Case:
    """Open a draft for an item (pre-filled from the register). The same idempotency key
    from the same account returns the same case (double clicks, retried requests)."""
    key = str(idempotency_key or "").strip()
    if not 8 <= len(key) <= 64:
        raise CaseError(
            field="idempotency_key", zh="表单已过期，请刷新页面", en="the form has expired; reload it"
        )
    definition, item = _item(item_code)
    if definition.instant or item.online_level != "full":
        raise CaseError(
            field="item",
            zh="该事项不在网上申请（请按指引办理）",
            en="this item is not applied for online here",
        )
    existing = (
        Case.objects.filter(applicant_user_id=actor.pk, idempotency_key=key).first() if _live(actor) else None
    )
    if existing is not None:
        return existing
    subject = subject_for(actor=actor, definition=definition, person_id=person_id)
    draft = definition.clean(data or {}, subject, partial=True)
    prefill = definition.prefill(subject)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                item=item,
                reference=_new_reference(timezone.localdate()),
                status=CaseStatus.DRAFT,
                applicant_user_id=actor.pk,
                agent_user_id=actor.pk if actor.kind == UserKind.AGENT else None,
                person_id=subject.person_id,
                employer_id=subject.employer_id,
                region_code=subject.region_code,
                subject_label=subject.label,
                data={
                    **{k: v for k, v in prefill.items() if (f := definition.field(k)) and not f.readonly},
                    **draft,
                },
                prefill=prefill,
                idempotency_key=key,
            )
            _event(case, action="start", actor=actor, after=CaseStatus.DRAFT)
            _audit(case, action="start", actor=actor, after={"on_behalf": case.agent_user_id is not None})
    except IntegrityError:
        existing = Case.objects.filter(applicant_user_id=actor.pk, idempotency_key=key).first()
        if existing is None:
            raise
        return existing
    return case


def case_save_draft(*, actor, case_id: int, data: dict) -> Case:
    """Save the form as typed so far (drafts and returned cases); nothing is validated but the types."""
    with transaction.atomic():
        case = _lock(case_id)
        _own(actor, case)
        if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
            raise CaseError(
                field="status",
                zh="申请已提交，不能再修改",
                en="the application is submitted; it cannot be edited",
            )
        definition = get_item(case.item.code)
        cleaned = definition.clean(data, _subject_of(case), partial=True)
        case.data = {
            **case.data,
            **cleaned,
            **{f.name: "" for f in definition.editable_fields if f.name in data and f.name not in cleaned},
        }
        case.save(update_fields=["data", "updated_at"])
    return case


def case_upload(*, actor, case_id: int, material_code: str, filename: str, content: bytes) -> Upload:
    """Attach a material file (type by content; size and count limits)."""
    checked = storage.check_content(content)
    with transaction.atomic():
        case = _lock(case_id)
        _own(actor, case)
        if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
            raise CaseError(
                field="file",
                zh="申请已提交，不能再上传材料",
                en="the application is submitted; no more uploads",
            )
        definition = get_item(case.item.code)
        if material_code not in {m.code for m in definition.asked_materials}:
            raise CaseError(
                field="material_code", zh="该事项无需此材料", en="this item does not take that material"
            )
        if case.uploads.filter(removed=False).count() >= storage.max_files():
            raise CaseError(
                field="file",
                zh=f"每件申请最多上传 {storage.max_files()} 个文件",
                en=f"at most {storage.max_files()} files per application",
            )
        name = storage.store(content, checked.content_type)
        try:
            upload = Upload.objects.create(
                case=case,
                material_code=material_code,
                filename=str(filename or "file")[-200:],
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
                storage_name=name,
                uploaded_at=timezone.now(),
                uploaded_by_id=actor.pk,
            )
            _event(case, action="upload", actor=actor, comment=upload.filename)
            _audit(
                case,
                action="upload",
                actor=actor,
                after={"material": material_code, "sha256": checked.sha256, "size": checked.size},
            )
        except Exception:
            storage.remove(name)
            raise
    return upload


def case_remove_upload(*, actor, case_id: int, upload_id: int) -> None:
    with transaction.atomic():
        case = _lock(case_id)
        _own(actor, case)
        if case.status not in (CaseStatus.DRAFT, CaseStatus.RETURNED):
            raise CaseError(field="file", zh="申请已提交，不能删除材料", en="the application is submitted")
        updated = Upload.objects.filter(pk=upload_id, case=case, removed=False).update(removed=True)
        if not updated:
            raise _not_found()
        _event(case, action="remove_upload", actor=actor)
        _audit(case, action="remove_upload", actor=actor, after={"upload": upload_id})


def _submit_common(*, actor, case: Case, data: dict | None, confirm: bool, now: dt.datetime, action: Action):
    definition = get_item(case.item.code)
    subject = _subject_of(case)
    full = _full_data(definition, case, subject, data)
    _check_materials(definition, case, full)
    if not confirm:
        raise CaseError(
            field="confirm",
            zh="请确认所填信息真实有效（电子签名确认）",
            en="please confirm the form (e-signature)",
        )
    plan(action, status=case.status_enum, sensitive=False)
    needs_recheck = bool(definition.is_sensitive(full))
    due, source = _due(timezone.localtime(now).date(), case.item.time_limit_days)
    uploads = list(case.uploads.filter(removed=False).values_list("material_code", "sha256"))
    receipt = _receipt_issue(
        purpose="hall.case_confirm",
        payload={
            "reference": case.reference,
            "item": case.item.code,
            "person_id": case.person_id,
            "employer_id": case.employer_id,
            "filed_by": actor.get_username() if hasattr(actor, "get_username") else "",
            "data": full,
            "materials": [{"material": m, "sha256": h} for m, h in uploads],
            "confirmed_at": now.isoformat(),
        },
    )
    before = case.status
    updated = Case.objects.filter(pk=case.pk, status=before).update(
        status=CaseStatus.SUBMITTED,
        data=full,
        needs_recheck=needs_recheck,
        submitted_at=now,
        due_date=due,
        due_date_source=source,
        returned_fields={},
        receipt=receipt,
        updated_at=now,
    )
    if updated != 1:
        raise CaseError(field="status", zh="申请状态已变化，请刷新", en="the application changed; reload it")
    case.refresh_from_db()
    immediate = definition.on_submit(case=case, actor=actor)
    if immediate:
        case.effect_result = {"on_submit": immediate}
        case.save(update_fields=["effect_result"])
    _event(case, action=action, actor=actor, before=before, after=CaseStatus.SUBMITTED, at=now)
    _audit(
        case,
        action=action,
        actor=actor,
        before={"status": before},
        after={
            "status": CaseStatus.SUBMITTED,
            "due_date": due,
            "needs_recheck": needs_recheck,
            "signed": receipt is not None,
            **({"immediate": immediate} if immediate else {}),
        },
    )
    return case


def case_submit(
    *, actor, case_id: int, data: dict | None = None, confirm: bool = False, now: dt.datetime | None = None
) -> Case:
    """草稿 → 已提交. A second submit of the same case (double click) returns it unchanged."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            case = _lock(case_id)
            _own(actor, case)
            if case.status == CaseStatus.SUBMITTED:
                return case  # idempotent: already submitted
            if case.status != CaseStatus.DRAFT:
                plan(Action.SUBMIT, status=case.status_enum, sensitive=False)
            return _submit_common(
                actor=actor, case=case, data=data, confirm=confirm, now=now, action=Action.SUBMIT
            )
    except TransitionRefused as exc:
        raise CaseError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None
    except ValueError as exc:
        if isinstance(exc, CaseError):
            raise
        raise from_error(exc) from None


def case_resubmit(
    *, actor, case_id: int, data: dict | None = None, confirm: bool = False, now: dt.datetime | None = None
) -> Case:
    """退回补正 → 已提交 (the SLA clock restarts from the resubmission)."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            case = _lock(case_id)
            _own(actor, case)
            plan(Action.RESUBMIT, status=case.status_enum, sensitive=False)
            return _submit_common(
                actor=actor, case=case, data=data, confirm=confirm, now=now, action=Action.RESUBMIT
            )
    except TransitionRefused as exc:
        raise CaseError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None
    except ValueError as exc:
        if isinstance(exc, CaseError):
            raise
        raise from_error(exc) from None


def case_withdraw(*, actor, case_id: int) -> Case:
    """申请人撤回 (draft, submitted or returned); a submitted case's ``on_close`` runs."""
    with transaction.atomic():
        case = _lock(case_id)
        _own(actor, case)
        return _apply(case, action=Action.WITHDRAW, actor=actor, grant=None, comment="")


# ---------------------------------------------------------------------------------- staff side


def _apply(
    case: Case, *, action: Action, actor, grant: Grant | None, comment: str, extra: dict | None = None
) -> Case:
    try:
        rule = plan(action, status=case.status_enum, sensitive=case.needs_recheck)
    except TransitionRefused as exc:
        raise CaseError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None
    now = timezone.now()
    before = case.status
    fields = {"status": rule.target, "updated_at": now, **(extra or {})}
    if rule.target in (CaseStatus.APPROVED, CaseStatus.REFUSED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN):
        fields["completed_at"] = now
    if Case.objects.filter(pk=case.pk, status=before).update(**fields) != 1:  # compare-and-set
        raise CaseError(
            field="status",
            zh="申请已被他人处理，请刷新",
            en="someone else handled the application; reload it",
        )
    case.refresh_from_db()
    if rule.target == CaseStatus.APPROVED:
        result = _item_hook(get_item(case.item.code).effect, "effect", case=case, actor=actor)
        case.effect_result = {**case.effect_result, "approval": result}
        case.save(update_fields=["effect_result"])
    closed = _close_effect(case, action=action, actor=actor, before=before, comment=comment)
    _event(
        case,
        action=action,
        actor=actor,
        post=_post(grant),
        before=before,
        after=rule.target,
        comment=comment,
        at=now,
    )
    _audit(
        case,
        action=action,
        actor=actor,
        post=_post(grant),
        before={"status": before},
        after={
            "status": rule.target,
            "comment": comment,
            **({"returned_fields": case.returned_fields} if action == Action.RETURN else {}),
            **({"on_close": closed} if closed else {}),
        },
    )
    return case


def _item_hook(hook, default_field: str, **kwargs):
    """Run an item's hook (``effect``, ``on_close``) inside the caller's transaction; a
    refusal of the owning app (a FieldError) becomes a CaseError naming its field."""
    try:
        return hook(**kwargs)
    except AccessDenied:
        raise
    except ValueError as exc:
        raise from_error(exc, field=getattr(exc, "field", default_field)) from None


def _close_effect(case: Case, *, action: Action, actor, before: str, comment: str) -> dict | None:
    """A submitted case that ends without approval (refused, not accepted, withdrawn): the
    item's ``on_close`` closes what ``on_submit`` created, inside the caller's transaction.
    A draft never ran ``on_submit``, so withdrawing one closes nothing. A refusal by the
    item (a FieldError) becomes a CaseError naming its field; the caller's atomic block
    then undoes the case's own transition too."""
    outcome = CLOSE_OUTCOME_BY_ACTION.get(action)
    if outcome is None or before == CaseStatus.DRAFT:
        return None
    result = _item_hook(
        get_item(case.item.code).on_close, "on_close", case=case, actor=actor, outcome=outcome, comment=comment
    )
    if result:
        case.effect_result = {**case.effect_result, "on_close": result}
        case.save(update_fields=["effect_result"])
    return result or None


def _staff_transition(
    *, actor, case_id: int, action: Action, comment: object = "", extra: dict | None = None, check=None
) -> Case:
    with transaction.atomic():
        case = _lock(case_id)
        if action == Action.RETURN and case.status_enum not in RETURN_ROLE_BY_SOURCE:
            role = Role.INTAKE  # plan() refuses the state below
        else:
            role = role_for(action, status=case.status_enum)
        grant = _staff_grant(actor, ROLE_PERM[role], case)
        text = _comment(comment, required=RULES[action].needs_comment)
        if check is not None:
            check(case)
        values = extra(case) if callable(extra) else extra
        return _apply(case, action=action, actor=actor, grant=grant, comment=text, extra=values)


def case_accept(*, actor, case_id: int, comment: str = "") -> Case:
    """受理 (CASE_ACCEPT in the case's region). Claims the case for the actor if unclaimed."""
    return _staff_transition(
        actor=actor,
        case_id=case_id,
        action=Action.ACCEPT,
        comment=comment,
        extra=lambda case: {"assignee_id": actor.pk} if case.assignee_id is None else {},
    )


def case_reject_intake(*, actor, case_id: int, comment: str) -> Case:
    """不予受理, with the reason (CASE_ACCEPT)."""
    return _staff_transition(actor=actor, case_id=case_id, action=Action.REJECT_INTAKE, comment=comment)


def case_return(*, actor, case_id: int, comment: str, fields: dict[str, str]) -> Case:
    """退回补正 with the faulty fields marked (field or ``material:<code>`` → what to correct)."""
    marks: dict[str, str] = {}
    for key, note in (fields or {}).items():
        text = str(note or "").strip()[:200]
        if text:
            marks[str(key)[:60]] = text
    if not marks:
        raise CaseError(field="fields", zh="请标明需要补正的内容", en="mark at least one field to correct")

    def _known(case: Case):
        definition = get_item(case.item.code)
        known = {f.name for f in definition.editable_fields} | {
            f"material:{m.code}" for m in definition.asked_materials
        }
        unknown = [k for k in marks if k not in known]
        if unknown:
            raise CaseError(
                field="fields",
                zh=f"“{unknown[0]}”不是该事项的填写项或材料",
                en=f"{unknown[0]!r} is not a field of this item",
            )

    return _staff_transition(
        actor=actor,
        case_id=case_id,
        action=Action.RETURN,
        comment=comment,
        extra={"returned_fields": marks},
        check=_known,
    )


def case_review(*, actor, case_id: int, comment: str = "") -> Case:
    """审核通过 of a sensitive case: passed to 复核 (CASE_REVIEW)."""
    return _staff_transition(
        actor=actor,
        case_id=case_id,
        action=Action.REVIEW,
        comment=comment,
        extra={"reviewed_by_id": actor.pk},
    )


def case_approve(*, actor, case_id: int, comment: str = "") -> Case:
    """审核通过并办结 of a case without 复核; runs the item's effect (CASE_REVIEW)."""
    return _staff_transition(
        actor=actor,
        case_id=case_id,
        action=Action.APPROVE,
        comment=comment,
        extra={"reviewed_by_id": actor.pk},
    )


def case_refuse(*, actor, case_id: int, comment: str) -> Case:
    """审核不通过，办结 with the reason (CASE_REVIEW)."""
    return _staff_transition(
        actor=actor,
        case_id=case_id,
        action=Action.REFUSE,
        comment=comment,
        extra={"reviewed_by_id": actor.pk},
    )


def case_recheck(*, actor, case_id: int, approve: bool, comment: str = "") -> Case:
    """复核 (CASE_RECHECK), never by the person who did the 审核; approval runs the effect."""

    def _other_person(case: Case):
        if case.reviewed_by_id is not None and case.reviewed_by_id == actor.pk:
            raise CaseError(
                field="status",
                zh="复核须由审核人以外的工作人员办理",
                en="the second check must be done by someone other than the reviewer",
            )

    action = Action.RECHECK_APPROVE if approve else Action.RECHECK_REFUSE
    return _staff_transition(
        actor=actor, case_id=case_id, action=action, comment=comment, check=_other_person
    )


def case_claim(*, actor, case_id: int) -> Case:
    """认领: take an unclaimed open case (compare-and-set on the assignee)."""
    with transaction.atomic():
        case = _lock(case_id)
        grant = _staff_grant(actor, Perm.CASE_VIEW, case)
        if case.status_enum not in (CaseStatus.SUBMITTED, CaseStatus.ACCEPTED, CaseStatus.REVIEWED):
            raise CaseError(field="status", zh="该申请不在办理中", en="the application is not open")
        if Case.objects.filter(pk=case.pk, assignee_id__isnull=True).update(assignee_id=actor.pk) != 1:
            raise CaseError(
                field="assignee", zh="该申请已被他人认领", en="someone else has claimed the application"
            )
        case.refresh_from_db()
        _event(case, action="claim", actor=actor, post=_post(grant))
        _audit(case, action="claim", actor=actor, post=_post(grant), after={"assignee": actor.pk})
    return case


def case_assign(*, actor, case_id: int, assignee_id: int | None) -> Case:
    """分派 to a colleague holding CASE_VIEW in the case's region (CASE_ACCEPT); None releases it."""
    with transaction.atomic():
        case = _lock(case_id)
        grant = _staff_grant(actor, Perm.CASE_ACCEPT, case)
        if case.status_enum.is_final:
            raise CaseError(field="status", zh="该申请已办结", en="the application is completed")
        label = ""
        if assignee_id is not None:
            target = account_selectors.user_get(user_id=int(assignee_id))
            if (
                target is None
                or not target.is_active
                or grant_for(target, Perm.CASE_VIEW, case.region_code) is None
            ):
                raise CaseError(
                    field="assignee",
                    zh="该工作人员无权办理此辖区的申请",
                    en="that colleague may not handle cases in this region",
                )
            label = _label(target)
        before = case.assignee_id
        Case.objects.filter(pk=case.pk).update(assignee_id=assignee_id)
        case.refresh_from_db()
        _event(case, action="assign", actor=actor, post=_post(grant), comment=label)
        _audit(
            case,
            action="assign",
            actor=actor,
            post=_post(grant),
            before={"assignee": before},
            after={"assignee": assignee_id},
        )
    return case
