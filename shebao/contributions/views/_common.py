"""Helpers shared by the contribution pages (on top of ``register.views._common``)."""

from __future__ import annotations

from django.http import HttpRequest

from shebao.contributions.services import ContributionError
from shebao.contributions.sheet import SheetError
from shebao.kernel.rules.money import MoneyError
from shebao.kernel.rules.periods import Period, PeriodError
from shebao.register.views._common import form_error, message_for

SERVICE_ERRORS = (ContributionError, SheetError, MoneyError, PeriodError)


def parse_period(request: HttpRequest, form, name: str) -> Period | None:
    """The period in ``form.cleaned_data[name]``, or None with the error put on the field."""
    value = form.cleaned_data.get(name)
    if value in (None, ""):
        return None
    try:
        return Period.parse(value, field=name)
    except PeriodError as exc:
        form.add_error(name, message_for(request, exc))
        return None


def service_error(
    request: HttpRequest, form, exc: Exception, *, fields: dict[str, str] | None = None
) -> None:
    """A service error on the form field it names; ``fields`` maps service names to form names."""
    field = getattr(exc, "field", None)
    if fields and field in fields:
        exc.field = fields[field]
    form_error(request, form, exc)
