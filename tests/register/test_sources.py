"""The register's read-only sources for other apps' batches: the many-at-once look-ups
answer as the one-at-a-time ones do."""

from __future__ import annotations

import datetime as dt

import pytest

from shebao.register import sources
from tests.register.conftest import CHAOYANG, HUANGPU, new_id

pytestmark = pytest.mark.django_db


def test_persons_by_id_numbers_finds_as_the_single_look_up_does(make_person):
    number = new_id(CHAOYANG, dt.date(1960, 3, 1))
    person = make_person(number)
    fifteen = number[:6] + number[8:17]  # the pre-1999 form of the same number
    typed = [number, number.lower(), f" {number[:6]} {number[6:14]} {number[14:]} ", fifteen, new_id(), "not a number"]
    found = sources.persons_by_id_numbers(typed)
    assert found == dict.fromkeys(typed[:4], (person.pk, CHAOYANG))
    assert {t: sources.person_id_by_id_number(t) for t in typed} == {
        t: (found[t][0] if t in found else None) for t in typed
    }
    assert sources.person_regions([person.pk, 987654321]) == {person.pk: CHAOYANG}


def test_employers_by_usccs_finds_as_the_single_look_up_does(employer, other_employer):
    typed = [employer.uscc, employer.uscc.lower(), f" {other_employer.uscc} ", "ZZ110105MA9999999X"]
    assert sources.employers_by_usccs(typed) == {
        typed[0]: (employer.pk, CHAOYANG), typed[1]: (employer.pk, CHAOYANG), typed[2]: (other_employer.pk, HUANGPU),
    }
    assert [sources.employer_id_by_uscc(t) for t in typed] == [employer.pk, employer.pk, other_employer.pk, None]
    assert sources.employer_regions([employer.pk, other_employer.pk]) == {employer.pk: CHAOYANG, other_employer.pk: HUANGPU}
