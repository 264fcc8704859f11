"""Transfer fixtures: this installation (Beijing, 110000) with an exchange key, a peer
agency (Shanghai, 310000) with its own key, persons, staff, and a helper that posts a
message signed by the peer into this installation's /exchange/inbox."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.benefits.models import PensionHistory
from shebao.exchange import services as exchange
from shebao.exchange.rules import envelope
from shebao.kernel.rules.receipts import canonical_json
from tests.benefits.conftest import legacy_record, params  # noqa: F401 - fixtures re-exported
from tests.exchange.conftest import public_text, seed_text
from tests.pages.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    citizen_of,
    divisions,
    employer,
    login,
    make_user,
    new_id,
    register_person,
    reviewer,
    system,
    zhang,
    zhang_id,
)

OWN, PEER = "110000", "310000"
HUANGPU = "310101"


@pytest.fixture
def own_key(settings):
    key = Ed25519PrivateKey.generate()
    settings.SHEBAO_EXCHANGE_KEY = seed_text(key)
    settings.SHEBAO_EXCHANGE_AGENCY_CODE = OWN
    settings.SHEBAO_CITY_CODE = OWN
    return key


@pytest.fixture
def peer_key():
    return Ed25519PrivateKey.generate()


@pytest.fixture
def peer(db, own_key, peer_key, audit_ctx):
    return exchange.peer_register(actor=None, agency_code=PEER, name="上海市社会保险事业管理中心",
                                  base_url="http://127.0.0.1:9", public_key=public_text(peer_key))  # fmt: skip


@pytest.fixture
def send_in(client, peer_key):
    """Post ``body`` of ``type`` to /exchange/inbox as the peer; returns the JSON reply."""

    def _send(type_: str, body: dict, *, correlation_id: str = ""):
        now = timezone.now()
        document = envelope.message_sign(key=peer_key, message_id=uuid.uuid4(), type=type_, sender=PEER,
                                         recipient=OWN, created_at=now, correlation_id=correlation_id, body=body,
                                         sent_at=now)  # fmt: skip
        response = client.post("/exchange/inbox", data=canonical_json(document), content_type="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    return _send


def _woman(register_person, born: dt.date, name: str = "王芳"):
    from shebao.kernel.rules.identifiers import make_person_id

    number = make_person_id(HUANGPU, born, 2 * (born.day + 40))  # an even sequence: a woman
    return register_person(name, region=HUANGPU, id_number=number, region_code=CHAOYANG)


@pytest.fixture
def catalogue(system):
    from shebao.hall import services as hall

    hall.catalogue_sync(actor=system)


@pytest.fixture
def citizen(migrant, citizen_of):
    return citizen_of(migrant)


@pytest.fixture
def migrant(register_person, system):
    """王芳: a woman born 1988-06 (38 in 2026, T48), hukou Shanghai, insured in 朝阳区."""
    return _woman(register_person, dt.date(1988, 6, 1))


@pytest.fixture
def woman_41(register_person, system):
    return _woman(register_person, dt.date(1985, 1, 1), name="赵敏")


def make_pensioner(person) -> None:
    PensionHistory.objects.create(person_id=person.pk, seq=1, kind="award", region_code=person.region_code,
                                  category="male", retire_period=202501, effective_period=202501, rule="test",
                                  basic_fen=1, account_fen=1, transitional_fen=0, total_fen=2, contribution_months=180,
                                  created_at=timezone.now())  # fmt: skip


@pytest.fixture
def staff(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, CHAOYANG),), full_name="李审核")


@pytest.fixture
def far_staff(make_user, divisions):
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, "110101"),), full_name="东城审核")
