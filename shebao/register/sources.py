"""Read-only sources for other apps' set-based batches (the contribution assessment).

Batches over a million persons read the register in SQL rather than object by object;
this module hands out the table names and id bounds so that no other app imports the
register's models (import-linter) and the register stays the only writer of its tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Max, Min

from shebao.kernel.crypto import blind_index
from shebao.register.models import Employer, Employment, Enrolment, Person
from shebao.register.rules.validation import normalise_id_for_lookup


@dataclass(frozen=True)
class RegisterTables:
    person: str
    employer: str
    employment: str
    enrolment: str


def register_tables() -> RegisterTables:
    return RegisterTables(
        person=Person._meta.db_table,
        employer=Employer._meta.db_table,
        employment=Employment._meta.db_table,
        enrolment=Enrolment._meta.db_table,
    )


def person_id_bounds() -> tuple[int, int] | None:
    """Smallest and largest person id, or None when nobody is registered."""
    row = Person.objects.aggregate(lo=Min("id"), hi=Max("id"))
    if row["lo"] is None:
        return None
    return row["lo"], row["hi"]


def employer_ids(*, region_prefix: str = "") -> list[int]:
    qs = Employer.objects.filter(status="active")
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    return list(qs.values_list("id", flat=True))


def employer_region(employer_id: int) -> str | None:
    return Employer.objects.filter(pk=employer_id).values_list("region_code", flat=True).first()


def person_region(person_id: int) -> str | None:
    return Person.objects.filter(pk=person_id).values_list("region_code", flat=True).first()


def employer_regions(employer_ids: Iterable[int]) -> dict[int, str]:
    """``employer_region`` for many employers at once: {id: region code} of those found."""
    return dict(Employer.objects.filter(pk__in=list(employer_ids)).values_list("id", "region_code"))


def person_regions(person_ids: Iterable[int]) -> dict[int, str]:
    """``person_region`` for many persons at once: {id: region code} of those found."""
    return dict(Person.objects.filter(pk__in=list(person_ids)).values_list("id", "region_code"))


def employee_ids_since(*, employer_id: int, since) -> set[int]:
    """Persons employed by the employer at any time on or after ``since`` (a date)."""
    rows = Employment.objects.filter(employer_id=employer_id).filter(
        models.Q(end_date__isnull=True) | models.Q(end_date__gte=since)
    )
    return set(rows.values_list("person_id", flat=True))


def is_flexible_worker(person_id: int) -> bool:
    return Employment.objects.filter(person_id=person_id, kind="flexible", end_date__isnull=True).exists()


def employer_id_by_uscc(uscc: str) -> int | None:
    return Employer.objects.filter(uscc=str(uscc).strip().upper()).values_list("id", flat=True).first()


def person_id_by_id_number(id_number: str) -> int | None:
    from shebao.register.selectors import person_by_id_number

    person = person_by_id_number(id_number=id_number)
    return person.pk if person is not None else None


def employers_by_usccs(usccs: Iterable[str], *, chunk: int = 2000) -> dict[str, tuple[int, str]]:
    """``employer_id_by_uscc`` and ``employer_region`` for many codes at once (a collection
    file's payers): {code as given: (employer id, region code)} for the codes found."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for code in usccs:
        wanted[str(code).strip().upper()].append(code)
    return _found_by(Employer, "uscc", wanted, chunk)


def persons_by_id_numbers(id_numbers: Iterable[str], *, chunk: int = 2000) -> dict[str, tuple[int, str]]:
    """``person_id_by_id_number`` and ``person_region`` for many numbers at once (a
    collection file's payers): {number as given: (person id, region code)} for the numbers
    that find a person. Same look-up (normalised, blind index), one query per chunk."""
    from shebao.register.selectors import ID_BLIND_PURPOSE

    wanted: dict[str, list[str]] = defaultdict(list)
    for number in id_numbers:
        normal = normalise_id_for_lookup(number)
        if normal is not None:
            wanted[blind_index(normal, purpose=ID_BLIND_PURPOSE)].append(number)
    return _found_by(Person, "id_blind", wanted, chunk)


def _found_by(model, column: str, wanted: dict[str, list[str]], chunk: int) -> dict[str, tuple[int, str]]:
    """{what was asked: (id, region code)} for the rows whose ``column`` is a key of
    ``wanted`` (each key stands for the texts asked that give it), one query per chunk."""
    keys = list(wanted)
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(keys), chunk):
        rows = model.objects.filter(**{f"{column}__in": keys[start : start + chunk]})
        for key, pk, region in rows.values_list(column, "id", "region_code"):
            for asked in wanted[key]:
                found[asked] = (pk, region)
    return found


def employment_covers(*, person_id: int, employer_id: int | None, first_day, last_day) -> bool:
    """Was there one employment (at ``employer_id``, or flexible when None) covering every
    day from ``first_day`` to ``last_day``? (The labour relationship a back-payment needs.)"""
    rows = Employment.objects.filter(person_id=person_id, start_date__lte=first_day).filter(
        models.Q(end_date__isnull=True) | models.Q(end_date__gte=last_day)
    )
    rows = rows.filter(employer_id=employer_id) if employer_id is not None else rows.filter(kind="flexible")
    return rows.exists()


def person_ids_of_employer(*, employer_id: int, first_day, last_day) -> list[int]:
    """Persons employed by the employer at some time between the two days."""
    rows = Employment.objects.filter(employer_id=employer_id, start_date__lte=last_day).filter(
        models.Q(end_date__isnull=True) | models.Q(end_date__gte=first_day)
    )
    return sorted(set(rows.values_list("person_id", flat=True)))
