"""Fixtures for payroll tests: persons from the register, payees, a fund accountant,
bank files under a temporary media root."""

from __future__ import annotations

import pytest

from shebao.accounts.rules.permissions import Post
from shebao.payroll import services
from tests.register.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DIVISIONS,
    ApiClient,
    divisions,
    make_person,
    make_user,
    new_id,
    staff,
    system,
    token_client,
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    return tmp_path


@pytest.fixture
def accountant(staff, divisions, audit_ctx):
    return staff(Post.FUND_ACCOUNTANT, "110000")


@pytest.fixture
def enrol(system, make_person):
    counter = iter(range(10_000, 99_999))

    def _enrol(
        *,
        monthly_fen: int = 350_000,
        from_period: int = 202601,
        bank: str = "ICBC",
        benefit: str = "pension",
        person=None,
    ):
        person = person or make_person()
        return services.payee_enrol(
            actor=system,
            person_id=person.pk,
            benefit=benefit,
            monthly_fen=monthly_fen,
            from_period=from_period,
            bank_code=bank,
            account_number=f"62220202000{next(counter):05d}",
        )

    return _enrol
