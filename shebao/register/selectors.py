"""Register reads. Lists are scoped to what the user may see; single records are
loaded through ``shebao.register.access``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q

from shebao.accounts.access import regions_with_perm
from shebao.accounts.rules.permissions import Perm
from shebao.kernel.crypto import blind_index, decrypt
from shebao.kernel.models import AuditEntry, DataAccess
from shebao.register.access import is_system
from shebao.register.models import Employer, Employment, Enrolment, Person
from shebao.register.rules.codes import Insurance
from shebao.register.rules.validation import mask_account, mask_phone, normalise_id_for_lookup

ID_BLIND_PURPOSE = "person.id_number"  # same as services.ID_BLIND_PURPOSE
MAX_LIMIT = 200


def person_by_id_number(*, id_number: str) -> Person | None:
    """Exact look-up through the blind index (15-digit numbers are converted first).

    One indexed query; nothing is decrypted to search. A malformed number finds nothing.
    """
    number = normalise_id_for_lookup(id_number)
    if number is None:
        return None
    # A raw query: this is the hot path of the staff look-up API (benchmarked), and the
    # ORM's query compilation cost more than the indexed look-up itself (bench/).
    rows = list(Person.objects.raw(_BY_BLIND_SQL, [blind_index(number, purpose=ID_BLIND_PURPOSE)]))
    return rows[0] if rows else None


_BY_BLIND_SQL = f'SELECT * FROM "{Person._meta.db_table}" WHERE "id_blind" = %s LIMIT 1'  # noqa: S608 - constant


@dataclass(frozen=True, slots=True)
class PersonCard:
    """What a staff look-up shows of a person (the fields of ``PersonOut``): stored
    masks, phone and bank account masked after decryption, never the ID number itself.
    ``pk`` and ``region_code`` are what ``access.authorise_person`` checks."""

    id: int
    id_type: str
    id_masked: str
    name: str
    sex: str
    birth_date: dt.date
    hukou_region: str
    hukou_type: str
    region_code: str
    phone_masked: str
    address: str
    bank_name: str
    bank_account_masked: str
    card_number: str
    card_status: str
    life_status: str
    death_date: dt.date | None
    registered_on: dt.date

    @property
    def pk(self) -> int:
        return self.id


_PERSON = Person._meta
_PHONE_AAD = _PERSON.get_field("phone").aad
_BANK_AAD = _PERSON.get_field("bank_account").aad
_CARD_SQL = (
    "SELECT id, id_type, id_masked, name, sex, birth_date, hukou_region, hukou_type, region_code, "  # noqa: S608
    "phone, address, bank_name, bank_account, card_number, card_status, life_status, death_date, "
    f'registered_on FROM "{_PERSON.db_table}" WHERE "id_blind" = %s LIMIT 1'
)


def _date(value):
    # PostgreSQL gives dates; SQLite gives ISO text (Django's converter does the same).
    return value if value is None or isinstance(value, dt.date) else dt.date.fromisoformat(value)


def person_card_by_id_number(*, id_number: str) -> PersonCard | None:
    """The staff look-up's read: ``person_by_id_number`` without building a ``Person``.

    One indexed query through the blind index for the eighteen columns shown, read with
    a plain cursor (model instantiation was most of the look-up's selector cost, bench/);
    the ID number column is not even fetched. A malformed number finds nothing.
    """
    number = normalise_id_for_lookup(id_number)
    if number is None:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_CARD_SQL, [blind_index(number, purpose=ID_BLIND_PURPOSE)])
        row = cursor.fetchone()
    if row is None:
        return None
    (pk, id_type, id_masked, name, sex, birth_date, hukou_region, hukou_type, region_code, phone,
     address, bank_name, bank_account, card_number, card_status, life_status, death_date,
     registered_on) = row  # fmt: skip
    return PersonCard(
        id=pk,
        id_type=id_type,
        id_masked=id_masked,
        name=name,
        sex=sex,
        birth_date=_date(birth_date),
        hukou_region=hukou_region,
        hukou_type=hukou_type,
        region_code=region_code,
        phone_masked=mask_phone(decrypt(phone, aad=_PHONE_AAD)) if phone else "",
        address=address,
        bank_name=bank_name,
        bank_account_masked=mask_account(decrypt(bank_account, aad=_BANK_AAD)) if bank_account else "",
        card_number=card_number,
        card_status=card_status,
        life_status=life_status,
        death_date=_date(death_date),
        registered_on=_date(registered_on),
    )


def _region_q(scopes: list[str], field: str = "region_code") -> Q | None:
    """A filter matching every division covered by the given post scopes (see region_covers)."""
    q: Q | None = None
    for scope in scopes:
        if len(scope) != 6 or not scope.isdigit():
            continue
        if scope.endswith("0000"):
            part = Q(**{f"{field}__startswith": scope[:2]})
        elif scope.endswith("00"):
            part = Q(**{f"{field}__startswith": scope[:4]})
        else:
            part = Q(**{field: scope})
        q = part if q is None else q | part
    return q


def _scoped(queryset, user, perm: Perm):
    if is_system(user):
        return queryset
    scope = _region_q(regions_with_perm(user, perm)) if user is not None else None
    if scope is None:
        return queryset.none()
    return queryset.filter(scope)


_ID_SHAPED = re.compile(r"^[\s\d０-９XxＸｘ\-]{15,40}$")


def person_search(*, user, query: str, limit: int = 50) -> list[Person]:
    """Staff search: an ID number (exact, blind index) or a name prefix, within the
    regions where the user holds PERSON_VIEW."""
    text = (query or "").strip()
    if not text:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    persons = _scoped(Person.objects.all(), user, Perm.PERSON_VIEW).defer("id_number", "bank_account")
    if _ID_SHAPED.match(text):
        number = normalise_id_for_lookup(text)
        if number is None:
            return []
        return list(persons.filter(id_blind=blind_index(number, purpose=ID_BLIND_PURPOSE))[:1])
    return list(persons.filter(name__startswith=text[:100]).order_by("name", "id")[:limit])


def employer_search(*, user, query: str, limit: int = 50) -> list[Employer]:
    """Staff search: USCC (exact) or name (contains), within the user's EMPLOYER_VIEW regions.
    An empty query lists the employers in scope (newest first)."""
    text = (query or "").strip()
    limit = max(1, min(int(limit), MAX_LIMIT))
    employers = _scoped(Employer.objects.all(), user, Perm.EMPLOYER_VIEW).defer("bank_account")
    if not text:
        return list(employers.order_by("-id")[:limit])
    if re.fullmatch(r"[0-9A-Za-z]{18}", text):
        return list(employers.filter(uscc=text.upper())[:1])
    return list(employers.filter(name__icontains=text[:100]).order_by("name", "id")[:limit])


def person_enrolments(*, person_id) -> list[Enrolment]:
    """All enrolment intervals of a person, newest first."""
    return list(
        Enrolment.objects.filter(person_id=person_id)
        .select_related("employer")
        .defer("employer__bank_account", "employer__contact_phone")
        .order_by("-start_period", "-id")
    )


def person_employments(*, person_id) -> list[Employment]:
    """All employments (and flexible registrations) of a person, newest first."""
    return list(
        Employment.objects.filter(person_id=person_id)
        .select_related("employer")
        .defer("employer__bank_account", "employer__contact_phone")
        .order_by("-start_date", "-id")
    )


def person_current_employment(*, person_id) -> Employment | None:
    """The active primary employment (or flexible registration), if any."""
    return (
        Employment.objects.filter(person_id=person_id, end_date__isnull=True, is_primary=True)
        .select_related("employer")
        .defer("employer__bank_account", "employer__contact_phone")
        .first()
    )


def person_current_status(*, person_id) -> dict[Insurance, Enrolment | None]:
    """Each insurance → its open interval (current state), or None if never enrolled."""
    rows = {
        Insurance(row.insurance): row
        for row in Enrolment.objects.filter(person_id=person_id, end_period__isnull=True).select_related(
            "employer"
        )
    }
    return {insurance: rows.get(insurance) for insurance in Insurance}


def employer_roster(*, employer_id, active_only: bool = True) -> list[tuple[Employment, Person]]:
    """The employer's employees (current, or all past and present), by name."""
    rows = (
        Employment.objects.filter(employer_id=employer_id)
        .select_related("person")
        .defer("person__id_number", "person__bank_account")
        .order_by("person__name", "person_id", "-start_date")
    )
    if active_only:
        rows = rows.filter(end_date__isnull=True)
    return [(row, row.person) for row in rows]


def record_history(*, object_type: str, object_id) -> list[AuditEntry]:
    """The audit trail of a person or employer, newest first.

    For a person it also holds the entries of their employments and enrolment
    intervals (hire, separation, flexible registration, suspend / resume / terminate).
    """
    key = str(object_id)
    condition = Q(object_type=object_type, object_id=key)
    if object_type == "person":
        employment_ids = [
            str(i) for i in Employment.objects.filter(person_id=object_id).values_list("id", flat=True)
        ]
        enrolment_ids = [
            str(i) for i in Enrolment.objects.filter(person_id=object_id).values_list("id", flat=True)
        ]
        if employment_ids:
            condition |= Q(object_type="employment", object_id__in=employment_ids)
        if enrolment_ids:
            condition |= Q(object_type="enrolment", object_id__in=enrolment_ids)
    return list(AuditEntry.objects.filter(condition).order_by("-seq"))


@dataclass(frozen=True)
class AccessLogItem:
    """One look at a person's record: a read (``DataAccess``) or a reveal (audit entry)."""

    kind: str  # "read" | "reveal"
    at: dt.datetime
    actor_id: int | None
    actor_label: str
    post: str
    fields: str
    purpose: str
    channel: str
    action: str = ""
    field: str = ""


def person_access_log(*, person_id, limit: int = 200) -> list[AccessLogItem]:
    """Who viewed the record, when and why (reads and full-identifier reveals), newest first."""
    import json

    items = [
        AccessLogItem(
            kind="read",
            at=row.at,
            actor_id=row.actor_id,
            actor_label=row.actor_label,
            post=row.post,
            fields=row.fields,
            purpose=row.purpose,
            channel=row.channel,
        )
        for row in DataAccess.objects.filter(subject_type="person", subject_id=person_id).order_by("-at")[
            :limit
        ]
    ]
    for entry in AuditEntry.objects.filter(
        object_type="person", object_id=str(person_id), action="person.reveal"
    ).order_by("-seq")[:limit]:
        try:
            field = json.loads(entry.after or "{}").get("field", "")
        except ValueError:
            field = ""
        items.append(
            AccessLogItem(
                kind="reveal",
                at=entry.at,
                actor_id=entry.actor_id,
                actor_label=entry.actor_label,
                post=entry.post,
                fields=field,
                purpose="查看完整信息",
                channel="",
                action=entry.action,
                field=field,
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]


CARD_ACTIONS = ("card.report_lost", "card.cancel_loss", "card.replace_request", "card.replace_complete")


def card_history(*, person_id) -> list[AuditEntry]:
    """The social security card's history (挂失, 解挂, 补换), newest first: the ``card.*``
    audit entries of the person, each with the before/after status and number."""
    return list(
        AuditEntry.objects.filter(
            object_type="person", object_id=str(person_id), action__in=CARD_ACTIONS
        ).order_by("-seq")
    )


def card_voided_numbers(*, person_id) -> set[str]:
    """Card numbers voided by a replacement request for this person."""
    voided = set()
    for after in AuditEntry.objects.filter(
        object_type="person", object_id=str(person_id), action="card.replace_request"
    ).values_list("after", flat=True):
        number = json.loads(after or "{}").get("voided_card_number")
        if number:
            voided.add(number)
    return voided


@dataclass(frozen=True)
class PersonBrief:
    """What other apps below the register may know of a person (for 委托代办)."""

    id: int
    name: str
    id_masked: str
    region_code: str
    is_deceased: bool


def person_brief(*, person_id=None, id_number: str | None = None) -> PersonBrief | None:
    """A person by id or by ID number, as a ``PersonBrief`` (None when there is none).
    Wired into accounts through ``settings.SHEBAO_PERSON_DIRECTORY``."""
    if id_number is not None:
        person = person_by_id_number(id_number=id_number)
    else:
        try:
            person = Person.objects.filter(pk=int(person_id)).first()
        except (TypeError, ValueError):
            person = None
    if person is None:
        return None
    return PersonBrief(
        id=person.pk,
        name=person.name,
        id_masked=person.id_masked,
        region_code=person.region_code,
        is_deceased=person.is_deceased,
    )
