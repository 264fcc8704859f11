"""参保证明 pages. Citizens issue and download their own (no identifier from the URL is
trusted: a certificate is looked up by number *and* the account's person); staff find a
certificate by code or number and revoke it; anyone verifies a code, no login."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts.access import AccessDenied
from shebao.certificates import pdf, selectors, services
from shebao.certificates.display import employer_text, facts_rows
from shebao.certificates.errors import CertificateError
from shebao.certificates.models import Certificate
from shebao.certificates.rules.codes import grouped, normalise_code
from shebao.register.views._common import (
    citizen_required,
    done,
    forbidden,
    form_error,
    is_english,
    message_for,
    staff_required,
)


class FindForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("验证码或证明编号"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ABCD-EFGH-JKLM-NPQR"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("作废原因"), max_length=200)


def _context(request: HttpRequest, certificate: Certificate) -> dict:
    english = is_english(request)
    employer = employer_text(certificate.facts)
    return {
        "c": certificate,
        "rows": facts_rows(certificate.facts),
        "employer": employer[1] if english else employer[0],
        "code_grouped": grouped(certificate.code),
        "url": pdf.verification_url(certificate.code),
        "english": english,
    }


def _own(request: HttpRequest, number: str) -> Certificate:
    certificate = selectors.certificate_by_number(number=number)
    if (
        certificate is None
        or request.user.person_id is None
        or certificate.person_id != request.user.person_id
    ):
        raise Http404
    return certificate


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest) -> HttpResponse:
    """开具参保证明: one click, instant; the list of certificates issued before."""
    person_id = request.user.person_id
    if person_id is None:
        return render(request, "register/citizen/no_record.html")
    error = ""
    if request.method == "POST":
        try:
            certificate = services.certificate_issue(actor=request.user, person_id=person_id)
        except (CertificateError, AccessDenied) as exc:
            error = message_for(request, exc)
        else:
            messages.success(request, _("参保证明已开具，证明编号 %(n)s") % {"n": certificate.number})
            return done(request, reverse("certificates:citizen_detail", args=[certificate.number]))
    context = {"certificates": selectors.certificates_of_person(person_id=person_id), "error": error}
    return render(request, "certificates/issue.html", context, status=400 if error else 200)


@never_cache
@citizen_required
@require_GET
def citizen_detail(request: HttpRequest, number: str) -> HttpResponse:
    certificate = _own(request, number)
    context = _context(request, certificate)
    context["qr"] = pdf.qr_png_data_uri(context["url"])
    return render(request, "certificates/detail.html", context)


@never_cache
@citizen_required
@require_GET
def citizen_pdf(request: HttpRequest, number: str) -> HttpResponse:
    certificate = _own(request, number)
    response = HttpResponse(pdf.certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response


@never_cache
@staff_required
@require_GET
def staff_find(request: HttpRequest) -> HttpResponse:
    form = FindForm(request.GET or None)
    certificate = None
    if form.is_valid():
        q = form.cleaned_data["q"]
        certificate = selectors.certificate_for_staff(user=request.user, ref=q)
        if certificate is None:
            form.add_error("q", _("没有找到该证明"))
    context = {"form": form, "revoke_form": RevokeForm()}
    if certificate is not None:
        context.update(_context(request, certificate))
    return render(request, "certificates/staff_find.html", context)


@never_cache
@staff_required
@require_POST
def staff_revoke(request: HttpRequest, certificate_id: int) -> HttpResponse:
    form = RevokeForm(request.POST)
    certificate = selectors.certificate_by_id(certificate_id=certificate_id)
    if certificate is None:
        raise Http404
    if form.is_valid():
        try:
            services.certificate_revoke(
                actor=request.user, certificate_id=certificate_id, reason=form.cleaned_data["reason"]
            )
        except AccessDenied as exc:
            return forbidden(request, exc)
        except CertificateError as exc:
            form_error(request, form, exc)
        else:
            messages.success(request, _("证明 %(n)s 已作废") % {"n": certificate.number})
            return done(request, reverse("certificates:staff_find") + f"?q={certificate.number}")
    context = {"form": FindForm(initial={"q": certificate.number}), "revoke_form": form}
    context.update(_context(request, certificate))
    return render(request, "certificates/staff_find.html", context, status=400)


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """证明核验: type the code printed on the certificate."""
    form = FindForm(request.GET or None)
    if form.is_valid():
        code = normalise_code(form.cleaned_data["q"])
        if code is not None:
            return redirect("certificates:verify", code=code)
        form.add_error("q", _("验证码应为16位字母和数字"))
    return render(
        request, "certificates/verify_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
def verify(request: HttpRequest, code: str) -> HttpResponse:
    """The public verification page the QR code points to: no login, masked ID only."""
    certificate = selectors.certificate_by_code(code=code)
    context = {"typed": code[:40], "form": FindForm()}
    if certificate is not None:
        context.update(_context(request, certificate))
    response = render(request, "certificates/verify.html", context, status=200 if certificate else 404)
    response["X-Robots-Tag"] = "noindex"
    response["Cache-Control"] = "no-store"
    return response
