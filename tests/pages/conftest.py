"""Fixtures for the web pages: users of each kind with finished logins, and a small
register (two employers in two districts, a few persons) built through the services."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from shebao.accounts.models import StaffPost, User
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.divisions import divisions_cache_clear
from shebao.kernel.models import Division
from shebao.kernel.rules.identifiers import make_person_id, make_uscc
from shebao.register import services
from shebao.register.access import SYSTEM_ACTOR

CHAOYANG = "110105"
DONGCHENG = "110101"
HUANGPU = "310101"

DIVISIONS = [
    ("110000", "北京市", 1, "", True),
    ("110101", "东城区", 3, "110000", True),
    ("110105", "朝阳区", 3, "110000", True),
    ("310000", "上海市", 1, "", True),
    ("310101", "黄浦区", 3, "310000", True),
]

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HTMX = {"HTTP_HX_REQUEST": "true"}

_seq = itertools.count(101)


def new_id(address: str = CHAOYANG, born: dt.date = dt.date(1985, 6, 15)) -> str:
    return make_person_id(address, born, next(_seq) % 1000)


def new_uscc(region: str = CHAOYANG) -> str:
    return make_uscc(f"91{region}MA{next(_seq):07d}")


def bad_checksum(number: str) -> str:
    """The same number with a wrong check character."""
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


@pytest.fixture
def divisions(db):
    created = False
    for code, name, level, parent, current in DIVISIONS:
        _, made = Division.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "level": level,
                "parent_code": parent,
                "is_current": current,
                "data_version": "test",
            },
        )
        created = created or made
    if created:
        divisions_cache_clear()
    yield
    if created:
        divisions_cache_clear()


@pytest.fixture
def system(divisions, audit_ctx):
    return SYSTEM_ACTOR


@pytest.fixture
def make_user(db):
    counter = itertools.count(1)

    def _make(*, kind: UserKind, posts: tuple[tuple[Post, str], ...] = (), **fields) -> User:
        user = User.objects.create_user(username=f"{kind}{next(counter)}", kind=kind, **fields)
        for post, region in posts:
            StaffPost.objects.create(user=user, post=post, region_code=region)
        return user

    return _make


def login(client, user):
    """Log in as ``user`` with the second factor already passed (staff)."""
    client.force_login(user)
    session = client.session
    session["otp_ok"] = True
    session.save()
    return client


# ---------------------------------------------------------------- register data


@pytest.fixture
def employer(system):
    return services.employer_register(
        actor=system,
        uscc=new_uscc(),
        name="北京示例科技有限公司",
        employer_type="enterprise",
        region_code=CHAOYANG,
        risk_class=2,
        contact_phone="13800001234",
        bank_account="6222020200112233445",
        registered_on=dt.date(2020, 1, 1),
    )


@pytest.fixture
def other_employer(system):
    return services.employer_register(
        actor=system,
        uscc=new_uscc(DONGCHENG),
        name="东城另一家有限公司",
        employer_type="enterprise",
        region_code=DONGCHENG,
        risk_class=1,
        registered_on=dt.date(2020, 1, 1),
    )


@pytest.fixture
def register_person(system):
    def _make(name: str, *, region: str = CHAOYANG, id_number: str | None = None, **fields):
        return services.person_register(
            actor=system,
            id_number=id_number or new_id(region),
            name=name,
            hukou_region=region,
            hukou_type="urban",
            phone=fields.pop("phone", "13912345678"),
            bank_account=fields.pop("bank_account", "6222020200998877665"),
            registered_on=dt.date(2020, 1, 1),
            **fields,
        ).person

    return _make


@pytest.fixture
def zhang_id():
    return new_id(CHAOYANG, dt.date(1980, 3, 1))


@pytest.fixture
def zhang(register_person, employer, zhang_id, system):
    """张三: 朝阳区, working at ``employer`` since 2024-01-02 (all five insurances)."""
    person = register_person("张三", id_number=zhang_id)
    services.employment_hire(
        actor=system,
        employer_id=employer.id,
        person_id=person.id,
        start_date=dt.date(2024, 1, 2),
        monthly_wage="12000",
    )
    return person


@pytest.fixture
def li(register_person, other_employer, system):
    """李四: 东城区, working at ``other_employer``."""
    person = register_person("李四", region=DONGCHENG)
    services.employment_hire(
        actor=system,
        employer_id=other_employer.id,
        person_id=person.id,
        start_date=dt.date(2024, 5, 6),
        monthly_wage="9000",
    )
    return person


# ---------------------------------------------------------------- users and clients


@pytest.fixture
def reviewer(make_user, divisions):
    """审核 post in 朝阳区: view, reveal, write."""
    return make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, CHAOYANG),), full_name="王审核")


@pytest.fixture
def front_desk(make_user, divisions):
    """窗口受理 in 朝阳区: view and write, no reveal."""
    return make_user(kind=UserKind.STAFF, posts=((Post.FRONT_DESK, CHAOYANG),), full_name="赵窗口")


@pytest.fixture
def staff_client(client, reviewer):
    return login(client, reviewer)


@pytest.fixture
def citizen_of(make_user):
    def _make(person):
        return make_user(kind=UserKind.CITIZEN, person_id=person.id, full_name=person.name)

    return _make


@pytest.fixture
def operator_of(make_user):
    def _make(employer):
        return make_user(kind=UserKind.EMPLOYER, employer_id=employer.id, full_name="单位经办")

    return _make
