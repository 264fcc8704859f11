"""Citizen and staff pages of 异地就医备案, in Chinese and English."""

from __future__ import annotations

from django.utils import timezone

from shebao.medical import services
from tests.medical.conftest import HUANGPU, login


def _filed(system, person):
    return services.medical_registration_create(actor=system, person_id=person.pk, category="long_residence",
                                                destination_code=HUANGPU, valid_from=timezone.localdate())  # fmt: skip


def test_citizen_page_lists_own_registrations(client, zhang, system, citizen_of, catalogue):
    row = _filed(system, zhang)
    client.force_login(citizen_of(zhang))
    res = client.get("/me/medical/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    body = res.content.decode()
    assert res.status_code == 200 and row.reference in body and "异地长期居住" in body and "长期" in body
    assert "/hall/items/medical_registration_cancel/" in body


def test_staff_page_in_region_only(client, zhang, system, reviewer, far_reviewer):
    row = _filed(system, zhang)
    login(client, reviewer)
    res = client.get("/staff/medical/", {"person_id": zhang.pk})
    assert res.status_code == 200 and row.reference in res.content.decode()
    login(client, far_reviewer)
    res = client.get("/staff/medical/", {"person_id": zhang.pk})
    assert res.status_code == 403 and row.reference not in res.content.decode()
    assert client.get("/staff/medical/", {"person_id": "abc"}).status_code == 400


def test_seed_command_goes_through_the_services(zhang, citizen_of, system):
    from django.core.management import call_command

    from shebao.medical.models import Registration

    citizen_of(zhang)
    call_command("seed_medical", "--if-empty")
    row = Registration.objects.get(person_id=zhang.pk)
    assert row.category == "other_temporary" and row.destination_code[:2] == "31"
    call_command("seed_medical", "--if-empty")
    assert Registration.objects.count() == 1
