"""我的社保: the citizen's own record, in large, plain type.

The page takes no identifier from the URL: it shows the person linked to the
logged-in account, loaded through ``access_person`` like everywhere else.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from shebao.register import selectors
from shebao.register.access import access_person
from shebao.register.rules.codes import CardStatus, EmploymentKind
from shebao.register.views._common import citizen_required
from shebao.register.views._display import access_rows, status_rows
from shebao.register.views.forms import CARD_STATUS_CHOICES


@never_cache
@citizen_required
def my_record(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.person_id is None:
        return render(request, "register/citizen/no_record.html")
    person = access_person(user=user, person_id=user.person_id)
    current = next(
        (e for e in selectors.person_employments(person_id=person.id) if e.end_date is None and e.is_primary),
        None,
    )
    context = {
        "person": person,
        "status_rows": status_rows(selectors.person_current_status(person_id=person.id)),
        "employment": current,
        "is_flexible": current is not None and current.kind == EmploymentKind.FLEXIBLE,
        "card_label": dict(CARD_STATUS_CHOICES).get(person.card_status, person.card_status),
        "has_card": person.card_status != CardStatus.NONE,
        "access_log": access_rows(selectors.person_access_log(person_id=person.id)),
    }
    return render(request, "register/citizen/my_record.html", context)
