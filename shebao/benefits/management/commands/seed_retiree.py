"""``manage.py seed_retiree [--if-empty]``: a demo citizen about to retire, so that the demo
city shows the whole pension path: estimate (我的养老金), apply to retire online
(退休申请), review and 复核 by staff, then the approved breakdown on the citizen's page.

王建国, a man of the Chaoyang district whose statutory retirement month is one to three
months from now, with 30 years of pension contributions from before this platform (recorded
through ``contributions.external.external_months_record``, source ``legacy``: the way a
historical-data migration loads an old system's months) and the personal-account balance
carried over from that system (``ledger.account_transfer_in``, reference
``legacy-migration``). His citizen account logs in with the demo password (printed by
``manage.py demo_logins``). Everything goes through the services and is audited.
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from shebao.accounts import services as account_services
from shebao.benefits import selectors
from shebao.benefits.rules.retirement import Category, statutory_retirement
from shebao.contributions import external, ledger
from shebao.kernel.audit import audit_context
from shebao.kernel.rules.identifiers import make_person_id
from shebao.kernel.rules.periods import Period
from shebao.register import selectors as register_selectors
from shebao.register import services as register_services
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.management.commands.seed_demo import DEMO_PASSWORD, _admin_actor

NAME = "王建国"
DISTRICT = "110105"  # 朝阳区
FIRST_PERIOD = 199601
SOURCE, REFERENCE = "legacy", "legacy-migration"
BALANCE_FEN = 168_420_35  # principal + interest carried over
S_FEN = 1_193_700  # Beijing 2025-07 reference wage (the bundle's): bases around it


def birth_for(first: int, last: int) -> tuple[dt.date, int]:
    """The birth month of a man whose statutory retirement month falls in [first, last]
    (under the 2025 reform some months are nobody's: the delay grows every 4 months),
    and that month."""
    for year in range(1960, 1980):
        for month in range(1, 13):
            period = statutory_retirement(year, month, Category.MALE).period
            if first <= period <= last:
                return dt.date(year, month, 10), period
    raise ValueError(f"no birth month retires in {first}…{last}")


class Command(BaseCommand):
    help = "Seed a demo citizen about to retire (record, account, login) for the pension demo."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when he exists")

    def handle(self, *args, **opts):
        today = timezone.localdate()
        now = Period.of(today)
        born, retire = birth_for(int(now + 1), int(now + 3))  # one may apply 3 months ahead
        number = make_person_id(DISTRICT, born, 517)
        if register_selectors.person_by_id_number(id_number=number) is not None:
            if not opts["if_empty"]:
                self.stdout.write(f"{NAME} exists already")
            return
        rng = random.Random(1966)  # noqa: S311 - demo data, reproducible on purpose
        last = int(Period.of(today) - 1)
        rows, period = [], Period.parse(str(FIRST_PERIOD))
        while int(period) <= last:
            base = S_FEN * rng.randint(95, 135) // 100
            rows.append({"period": int(period), "insurance": "pension", "base_fen": base,
                         "employer_fen": base * 16 // 100, "individual_fen": base * 8 // 100})  # fmt: skip
            period = period + 1
        with audit_context(actor_label="manage.py seed_retiree"), transaction.atomic():
            person = register_services.person_register(
                actor=SYSTEM_ACTOR, id_number=number, name=NAME, hukou_region=DISTRICT, hukou_type="urban",
                phone="13911112222", bank_name="中国工商银行", bank_account="6222020200112233445",
                registered_on=dt.date(1996, 1, 1),
            ).person  # fmt: skip
            external.external_months_record(
                actor=SYSTEM_ACTOR, person_id=person.pk, rows=rows, source=SOURCE, reference=REFERENCE
            )
            ledger.account_transfer_in(
                actor=SYSTEM_ACTOR, person_id=person.pk, principal_fen=BALANCE_FEN, interest_fen=0,
                reference=REFERENCE,
            )  # fmt: skip
            user, _ = account_services.citizen_account_create(
                actor=_admin_actor(settings.SHEBAO_CITY_CODE), person_id=person.pk, id_number=number, full_name=NAME,
                region_code=DISTRICT,
            )  # fmt: skip
            account_services.user_change_password(user=user, new_password=DEMO_PASSWORD)
        record = selectors.pension_record(user=SYSTEM_ACTOR, person_id=person.pk)
        self.stdout.write(
            f"{NAME}: born {born:%Y-%m}, statutory retirement {retire // 100}-{retire % 100:02d}, "
            f"{record.months} months, account {record.account_balance} yuan; login {number} / demo password"
        )
