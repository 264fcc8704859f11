"""Small factories for register tests: divisions, users of each kind, persons and
employers registered through the services, API clients with bearer tokens."""

from __future__ import annotations

import datetime as dt
import itertools
import secrets

import pytest

from shebao.accounts.api_auth import hash_token
from shebao.accounts.models import ApiToken, StaffPost, User
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.divisions import divisions_cache_clear
from shebao.kernel.models import Division
from shebao.kernel.rules.identifiers import make_person_id, make_uscc
from shebao.register import services
from shebao.register.access import SYSTEM_ACTOR

# Codes the tests rely on (the shipped table has them; created here if it does not).
DIVISIONS = [
    ("110000", "北京市", 1, "", True),
    ("110101", "东城区", 3, "110000", True),
    ("110102", "西城区", 3, "110000", True),
    ("110103", "崇文区", 3, "110000", False),  # abolished 2010
    ("110105", "朝阳区", 3, "110000", True),
    ("310000", "上海市", 1, "", True),
    ("310101", "黄浦区", 3, "310000", True),
    ("440524", "潮阳县", 3, "440500", False),  # 1983–1993
    ("500101", "万州区", 3, "500000", True),  # from 1997
]

CHAOYANG = "110105"
DONGCHENG = "110101"
HUANGPU = "310101"

_seq = itertools.count(1)


def new_id(address: str = CHAOYANG, born: dt.date = dt.date(1985, 6, 15), sequence: int | None = None) -> str:
    return make_person_id(address, born, sequence if sequence is not None else next(_seq) % 1000)


def new_uscc(region: str = CHAOYANG) -> str:
    return make_uscc(f"91{region}MA{next(_seq):07d}")


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
    """The platform itself as actor (passes every access check)."""
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


@pytest.fixture
def staff(make_user):
    """``staff(Post.REVIEWER, "110105")`` (several pairs allowed)."""

    def _make(*pairs) -> User:
        posts = tuple(zip(pairs[::2], pairs[1::2], strict=True))
        return make_user(kind=UserKind.STAFF, posts=posts)

    return _make


@pytest.fixture
def clerk(staff, divisions, audit_ctx):
    """A reviewer in 朝阳区 (view, reveal, write)."""
    return staff(Post.REVIEWER, CHAOYANG)


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
        uscc=new_uscc(),
        name="上海另一家公司",
        employer_type="enterprise",
        region_code=HUANGPU,
        risk_class=1,
        registered_on=dt.date(2020, 1, 1),
    )


@pytest.fixture
def make_person(system):
    def _make(number: str | None = None, *, name: str = "张三", region: str = CHAOYANG, **fields):
        return services.person_register(
            actor=system,
            id_number=number or new_id(),
            name=name,
            hukou_region=region,
            hukou_type="urban",
            registered_on=fields.pop("registered_on", dt.date(2020, 1, 1)),
            **fields,
        ).person

    return _make


@pytest.fixture
def person(make_person):
    return make_person(phone="13912345678", bank_account="6217000010002000300")


@pytest.fixture
def token_client(client):
    """``token_client(user)`` → (client, headers) authenticating with a fresh bearer token."""

    def _make(user: User):
        raw = secrets.token_urlsafe(32)
        ApiToken.objects.create(user=user, name="test", prefix=raw[:8], key_hash=hash_token(raw))
        return ApiClient(client, raw)

    return _make


class ApiClient:
    """The Django test client with a bearer token on every call."""

    def __init__(self, client, raw: str) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {raw}"}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers={**self.headers, **kwargs.pop("headers", {})}, **kwargs)

    def post(self, path: str, data=None, **kwargs):
        if "files" in kwargs:
            return self.client.post(
                path, data={**(data or {}), **kwargs.pop("files")}, headers=self.headers, **kwargs
            )
        return self.client.post(
            path,
            data=data or {},
            content_type="application/json",
            headers={**self.headers, **kwargs.pop("headers", {})},
            **kwargs,
        )

    def patch(self, path: str, data=None, **kwargs):
        return self.client.patch(
            path, data=data or {}, content_type="application/json", headers=self.headers, **kwargs
        )
