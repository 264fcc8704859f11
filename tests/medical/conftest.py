"""Fixtures for medical 备案: 张三 in 朝阳区 (Beijing) going to 黄浦区 (Shanghai), the hall
catalogue, staff of 朝阳区 and 东城区."""

from __future__ import annotations

import pytest

from shebao.hall import services as hall_services
from tests.hall.conftest import far_reviewer, key, upload_root  # noqa: F401 - fixtures re-exported
from tests.pages.conftest import (  # noqa: F401 - fixtures re-exported
    CHAOYANG,
    DONGCHENG,
    HUANGPU,
    citizen_of,
    divisions,
    employer,
    front_desk,
    li,
    login,
    make_user,
    new_id,
    other_employer,
    register_person,
    reviewer,
    system,
    zhang,
    zhang_id,
)


@pytest.fixture
def catalogue(system):
    hall_services.catalogue_sync(actor=system)


@pytest.fixture
def zhang_citizen(zhang, citizen_of, catalogue):
    return citizen_of(zhang)
