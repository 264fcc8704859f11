"""Who may see or change a register record: the only way to load a protected one.

- citizen (参保人): their own person record, read only;
- employer operator (单位经办人): their own employer, and persons with an employment
  (current or past) at it, read only; hires and separations at their employer;
- staff (经办人员): what their posts allow, within the posts' regions (a person by
  ``Person.region_code``, an employer by ``Employer.region_code``);
- agents and partner departments: nothing yet.

Every refusal raises ``AccessDenied``; a record that does not exist is refused with
the same words, so that existence does not leak. ``SYSTEM_ACTOR`` stands for the
platform itself (management commands, imports) and passes every check.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection

from shebao.accounts.access import AccessDenied, Grant, grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.register.models import Employer, Employment, Person


class SystemActor:
    """The platform acting on its own behalf (audit label "system")."""

    pk = None
    id = None
    kind = "system"
    is_authenticated = True
    is_active = True
    person_id = None
    employer_id = None
    region_code = ""

    def get_username(self) -> str:
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM_ACTOR = SystemActor()


def _denied_person() -> AccessDenied:
    return AccessDenied(
        zh="无权查看或办理此人员的业务，或该人员不存在",
        en="you may not see or act on this person's record, or it does not exist",
    )


def _denied_employer() -> AccessDenied:
    return AccessDenied(
        zh="无权查看或办理此单位的业务，或该单位不存在",
        en="you may not see or act on this employer's record, or it does not exist",
    )


def _live(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False) and getattr(user, "is_active", False)


def is_system(user) -> bool:
    return isinstance(user, SystemActor)


def authorise_person(*, user, person: Person, perm: Perm = Perm.PERSON_VIEW) -> Grant | None:
    """Check ``perm`` on an already loaded person; return the staff grant used (or None)."""
    if is_system(user):
        return None
    if not _live(user):
        raise _denied_person()
    kind = user.kind
    if kind == UserKind.STAFF:
        grant = grant_for(user, perm, person.region_code)
        if grant is None:
            raise _denied_person()
        return grant
    if kind == UserKind.CITIZEN:
        if perm == Perm.PERSON_VIEW and user.person_id is not None and user.person_id == person.pk:
            return None
        raise _denied_person()
    if kind == UserKind.EMPLOYER:
        if (
            perm == Perm.PERSON_VIEW
            and user.employer_id is not None
            and Employment.objects.filter(person_id=person.pk, employer_id=user.employer_id).exists()
        ):
            return None
        raise _denied_person()
    raise _denied_person()


def _may_read_some_person(user, person_id) -> None:
    """The checks that need no record: a live user of a kind that reads persons, and a
    citizen only their own id (refused with the same words as a missing record)."""
    if is_system(user):
        return
    if not _live(user):
        raise _denied_person()
    if user.kind == UserKind.CITIZEN and (user.person_id is None or str(user.person_id) != str(person_id)):
        raise _denied_person()
    if user.kind not in (UserKind.STAFF, UserKind.CITIZEN, UserKind.EMPLOYER):
        raise _denied_person()


def access_person(*, user, person_id, perm: Perm = Perm.PERSON_VIEW) -> Person:
    """Load a person the user may see (``perm``), or raise ``AccessDenied``."""
    _may_read_some_person(user, person_id)
    try:
        person = Person.objects.get(pk=int(person_id))
    except (Person.DoesNotExist, TypeError, ValueError):
        raise _denied_person() from None
    authorise_person(user=user, person=person, perm=perm)
    return person


@dataclass(frozen=True)
class PersonFacts:
    """The few plain facts of a person that rules read (the pension estimate): no
    personal data, so nothing to decrypt. ``pk`` and ``region_code`` as on ``Person``,
    so ``authorise_person`` checks it the same way."""

    pk: int
    region_code: str
    sex: str
    birth_date: dt.date
    life_status: str

    @property
    def is_deceased(self) -> bool:
        from shebao.register.rules.codes import LifeStatus

        return self.life_status == LifeStatus.DECEASED


_FACTS_SQL = (
    f"SELECT region_code, sex, birth_date, life_status FROM {Person._meta.db_table} WHERE id = %s"  # noqa: S608
)


def access_person_facts(*, user, person_id, perm: Perm = Perm.PERSON_VIEW) -> PersonFacts:
    """``access_person``'s checks, but one lean read of the facts instead of the whole
    record with its encrypted fields (the estimator reads it on every request)."""
    _may_read_some_person(user, person_id)
    try:
        pk = int(person_id)
    except (TypeError, ValueError):
        raise _denied_person() from None
    with connection.cursor() as cursor:
        cursor.execute(_FACTS_SQL, [pk])
        row = cursor.fetchone()
    if row is None:
        raise _denied_person()
    region, sex, birth, life = row
    if not isinstance(birth, dt.date):  # SQLite returns the text of the date
        birth = dt.date.fromisoformat(str(birth))
    facts = PersonFacts(pk=pk, region_code=region, sex=sex, birth_date=birth, life_status=life)
    authorise_person(user=user, person=facts, perm=perm)
    return facts


def authorise_employer(*, user, employer: Employer, perm: Perm = Perm.EMPLOYER_VIEW) -> Grant | None:
    if is_system(user):
        return None
    if not _live(user):
        raise _denied_employer()
    if user.kind == UserKind.STAFF:
        grant = grant_for(user, perm, employer.region_code)
        if grant is None:
            raise _denied_employer()
        return grant
    if user.kind == UserKind.EMPLOYER:
        if perm == Perm.EMPLOYER_VIEW and user.employer_id is not None and user.employer_id == employer.pk:
            return None
        raise _denied_employer()
    raise _denied_employer()


def access_employer(*, user, employer_id, perm: Perm = Perm.EMPLOYER_VIEW) -> Employer:
    """Load an employer the user may see (``perm``), or raise ``AccessDenied``."""
    if not is_system(user):
        if not _live(user) or user.kind not in (UserKind.STAFF, UserKind.EMPLOYER):
            raise _denied_employer()
        if user.kind == UserKind.EMPLOYER and (
            user.employer_id is None or str(user.employer_id) != str(employer_id)
        ):
            raise _denied_employer()
    try:
        employer = Employer.objects.get(pk=int(employer_id))
    except (Employer.DoesNotExist, TypeError, ValueError):
        raise _denied_employer() from None
    authorise_employer(user=user, employer=employer, perm=perm)
    return employer


def authorise_employment_write(
    *, user, employer: Employer | None, person: Person | None = None
) -> Grant | None:
    """Hire / separate: staff with EMPLOYMENT_WRITE in the employer's region (for a
    flexible worker, in the person's region), or the employer's own operator."""
    if is_system(user):
        return None
    if not _live(user):
        raise _denied_employer()
    if user.kind == UserKind.STAFF:
        region = employer.region_code if employer is not None else (person.region_code if person else "")
        grant = grant_for(user, Perm.EMPLOYMENT_WRITE, region)
        if grant is None:
            raise _denied_employer() if employer is not None else _denied_person()
        return grant
    if user.kind == UserKind.EMPLOYER and employer is not None and user.employer_id == employer.pk:
        return None
    raise _denied_employer() if employer is not None else _denied_person()


def authorise_region(*, user, perm: Perm, region_code: str) -> Grant | None:
    """Staff only: ``perm`` in ``region_code`` (registering something new there)."""
    if is_system(user):
        return None
    if not _live(user) or user.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")
    grant = grant_for(user, perm, region_code)
    if grant is None:
        raise AccessDenied(
            zh="您的岗位无权办理此辖区的业务", en="your post does not allow this in that region"
        )
    return grant


def require_staff_perm(*, user, perm: Perm) -> Grant | None:
    """Staff holding ``perm`` somewhere (for searches and look-ups before a record is known)."""
    if is_system(user):
        return None
    if not _live(user) or user.kind != UserKind.STAFF:
        raise AccessDenied(zh="只有经办人员可以办理此业务", en="only agency staff may do this")
    grant = grant_for(user, perm)
    if grant is None:
        raise AccessDenied(zh="您的岗位无权办理此业务", en="your post does not allow this")
    return grant
