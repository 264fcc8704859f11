"""The applicant side of the hall API, shared by the citizen (and agent) and employer
routers: catalogue, my cases, start / draft / upload / submit / resubmit, status,
timeline and the signed receipt. Thin: parse, authorise, call one service, serialise."""

from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from shebao.accounts.access import AccessDenied
from shebao.accounts.api_auth import api_auth
from shebao.hall import selectors, services
from shebao.hall.errors import CaseError
from shebao.hall.items import get_item
from shebao.hall.schemas import (
    ERRORS,
    CaseDetailOut,
    CaseOut,
    DraftIn,
    ItemDetailOut,
    ItemOut,
    StartIn,
    SubmitIn,
    UploadOut,
    _english,
    api_errors,
    case_detail_out,
    case_out,
    item_detail_out,
    item_out,
)


def build_router(*, kinds: tuple[str, ...], audiences: tuple[str, ...], tag: str) -> Router:
    router = Router(auth=api_auth, tags=[tag])

    def _user(request):
        user = request.auth
        if getattr(user, "kind", None) not in kinds:
            raise AccessDenied(zh="此接口不适用于您的账户类型", en="this API is not for your kind of account")
        return user

    def _case(request, case_id):
        return selectors.case_for_applicant(user=_user(request), case_id=case_id)

    @router.get("catalogue", response={200: list[ItemOut], **ERRORS}, summary="事项目录 / Service catalogue")
    @api_errors
    def catalogue(request, q: str = "", category: str = "", life_event: str = ""):
        _user(request)
        rows = [
            r
            for r in selectors.catalogue_search(q=q, category=category, life_event=life_event)
            if r.audience in audiences
        ]
        return [item_out(r, english=_english(request)) for r in rows]

    @router.get("catalogue/{code}", response={200: ItemDetailOut, **ERRORS}, summary="办事指南 / Guide")
    @api_errors
    def catalogue_item(request, code: str):
        _user(request)
        item = selectors.item_get(code=code)
        if item is None or item.audience not in audiences:
            raise CaseError(field="item", zh="该事项不存在", en="no such item")
        return item_detail_out(item, get_item(code), english=_english(request))

    @router.get("cases", response={200: list[CaseOut], **ERRORS}, summary="我的申请 / My applications")
    @api_errors
    def my_cases(request):
        user = _user(request)
        return [case_out(c, english=_english(request)) for c in selectors.cases_for_applicant(user=user)]

    @router.post("cases", response={201: CaseDetailOut, **ERRORS}, summary="开始申请（草稿） / Start")
    @api_errors
    def start(request, payload: StartIn):
        user = _user(request)
        case = services.case_start(
            actor=user,
            item_code=payload.item,
            idempotency_key=payload.idempotency_key,
            person_id=payload.person_id,
            data=payload.data,
        )
        return Status(201, case_detail_out(case, english=_english(request)))

    @router.get("cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="申请详情和进度 / Status")
    @api_errors
    def detail(request, case_id: int):
        return case_detail_out(_case(request, case_id), english=_english(request))

    @router.patch("cases/{case_id}", response={200: CaseDetailOut, **ERRORS}, summary="保存草稿 / Save draft")
    @api_errors
    def save_draft(request, case_id: int, payload: DraftIn):
        case = services.case_save_draft(actor=_user(request), case_id=case_id, data=payload.data)
        return case_detail_out(case, english=_english(request))

    @router.post("cases/{case_id}/uploads", response={201: UploadOut, **ERRORS}, summary="上传材料 / Upload")
    @api_errors
    def upload(request, case_id: int, material_code: Form[str], file: File[UploadedFile]):
        row = services.case_upload(
            actor=_user(request),
            case_id=case_id,
            material_code=material_code,
            filename=file.name or "file",
            content=file.read(),
        )
        return Status(
            201,
            {
                "id": row.id,
                "material_code": row.material_code,
                "filename": row.filename,
                "content_type": row.content_type,
                "size": row.size,
                "sha256": row.sha256,
                "uploaded_at": row.uploaded_at,
            },
        )

    @router.post("cases/{case_id}/submit", response={200: CaseOut, **ERRORS}, summary="提交 / Submit")
    @api_errors
    def submit(request, case_id: int, payload: SubmitIn):
        case = services.case_submit(
            actor=_user(request), case_id=case_id, data=payload.data, confirm=payload.confirm
        )
        return case_out(case, english=_english(request))

    @router.post(
        "cases/{case_id}/resubmit", response={200: CaseOut, **ERRORS}, summary="补正后重新提交 / Resubmit"
    )
    @api_errors
    def resubmit(request, case_id: int, payload: SubmitIn):
        case = services.case_resubmit(
            actor=_user(request), case_id=case_id, data=payload.data, confirm=payload.confirm
        )
        return case_out(case, english=_english(request))

    @router.post("cases/{case_id}/withdraw", response={200: CaseOut, **ERRORS}, summary="撤回 / Withdraw")
    @api_errors
    def withdraw(request, case_id: int):
        return case_out(
            services.case_withdraw(actor=_user(request), case_id=case_id), english=_english(request)
        )

    @router.get(
        "cases/{case_id}/receipt", response={200: dict, **ERRORS}, summary="签名回执 / Signed receipt"
    )
    @api_errors
    def receipt(request, case_id: int):
        case = _case(request, case_id)
        if case.receipt is None:
            raise CaseError(
                field="receipt", zh="该申请没有签名回执", en="this application has no signed receipt"
            )
        return case.receipt

    return router
