import json

from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from shebao.kernel.forms import ReceiptForm
from shebao.kernel.signing import published_keys_document, receipt_verify


@require_GET
def healthz(request):
    """Liveness and database status: 200 when the database answers, 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = {"status": "ok", "vendor": connection.vendor}
        status = 200
    except Exception as exc:  # noqa: BLE001 - any database failure is reported, not raised
        database = {"status": "error", "vendor": connection.vendor, "error": exc.__class__.__name__}
        status = 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status=status
    )


# --- 电子签名确认: published keys and the public receipt checker --------------------------


@require_GET
def signing_keys(request):
    """The published Ed25519 public keys (JWK set) that receipts verify against."""
    response = JsonResponse(published_keys_document(), json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


RECEIPT_MAX_BYTES = 64 * 1024


@require_http_methods(["GET", "POST"])
def receipt_check(request):
    """Paste or upload a receipt (JSON) and see whether it is genuine. No login."""
    result = None
    receipt = None
    if request.method == "POST":
        form = ReceiptForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            text = form.cleaned_data.get("text") or ""
            if upload is not None:
                if upload.size > RECEIPT_MAX_BYTES:
                    form.add_error("file", _("文件过大（最大64KB），请上传回执JSON文件"))
                else:
                    text = upload.read().decode("utf-8", errors="replace")
            if not form.errors:
                try:
                    receipt = json.loads(text)
                except ValueError:
                    form.add_error("text" if upload is None else "file", _("内容不是有效的JSON回执"))
                else:
                    result = "valid" if receipt_verify(receipt) else "invalid"
                    if not isinstance(receipt, dict):
                        receipt = None
    else:
        form = ReceiptForm()
    payload_rows = []
    if result == "valid" and receipt is not None:
        payload_rows = [
            (key, json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value)
            for key, value in sorted(receipt["payload"].items())
        ]
    return render(
        request,
        "kernel/receipt_check.html",
        {"form": form, "result": result, "receipt": receipt, "payload_rows": payload_rows},
    )
