"""manage.py seed_hall [--if-empty]: the catalogue from the item registry, and sample
applications in every state (draft … approved) for the staff workbench, filed through
the services by the demo citizen and employer of ``seed_demo`` and handled by the demo
staff. ``--if-empty`` does nothing when applications already exist."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from PIL import Image

from shebao.accounts.access import grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.hall import services
from shebao.hall.models import Case
from shebao.kernel.audit import audit_context
from shebao.register.access import SYSTEM_ACTOR


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (320, 200), (230, 240, 255)).save(buf, format="PNG")
    return buf.getvalue()


class Command(BaseCommand):
    help = "Seed the service-hall catalogue and sample applications in every state."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if applications exist")

    def handle(self, *args, **opts):
        with audit_context(actor_label="seed_hall"):
            made = services.catalogue_sync(actor=SYSTEM_ACTOR)
            self.stdout.write(f"事项目录：新增 {made['items']} 项，材料 {made['materials']} 条")
            if opts["if_empty"] and Case.objects.exists():
                self.stdout.write("已有办件，未生成示例申请。")
                return
            self._samples()

    def _staff(self, perm: Perm, region: str, *, exclude=None):
        users = get_user_model().objects.filter(kind=UserKind.STAFF, is_active=True).order_by("pk")
        for user in users:
            if user != exclude and grant_for(user, perm, region) is not None:
                return user
        return None

    def _samples(self):
        User = get_user_model()
        citizen = (
            User.objects.filter(kind=UserKind.CITIZEN, is_active=True, person_id__isnull=False)
            .order_by("pk")
            .first()
        )
        if citizen is None:
            self.stdout.write("没有演示参保人账户（先运行 seed_demo），未生成示例申请。")
            return
        operator = User.objects.filter(
            kind=UserKind.EMPLOYER, is_active=True, employer_id__isnull=False
        ).first()

        def start(code, user=citizen, data=None):
            return services.case_start(
                actor=user, item_code=code, idempotency_key=uuid.uuid4().hex, data=data or {}
            )

        def submit(code, data, *, user=citizen, days_ago=0, uploads=None):
            case = start(code, user)
            for material in uploads or ():
                services.case_upload(
                    actor=user,
                    case_id=case.pk,
                    material_code=material,
                    filename=f"{material}.png",
                    content=_png(),
                )
            now = timezone.now() - dt.timedelta(days=days_ago)
            return services.case_submit(actor=user, case_id=case.pk, data=data, confirm=True, now=now)

        probe = start("person_change", data={"address": "演示路1号（草稿）"})  # draft
        region = probe.region_code
        desk = self._staff(Perm.CASE_ACCEPT, region)
        reviewer = self._staff(Perm.CASE_REVIEW, region)
        if desk is None or reviewer is None:
            self.stdout.write("没有覆盖该辖区的演示工作人员，只生成了草稿。")
            return
        n = 1
        submit("person_change", {"address": "演示路2号"})  # submitted, on time
        submit("person_change", {"address": "演示路3号"}, days_ago=12)  # submitted, overdue (red)
        c = submit("person_change", {"phone": "13600001111"}, days_ago=5)
        services.case_accept(actor=desk, case_id=c.pk, comment="材料齐全")  # accepted
        c = submit(
            "person_change",
            {"bank_name": "工商银行", "bank_account": "6222020200123456789"},
            uploads=["bank_card"],
        )
        services.case_accept(actor=desk, case_id=c.pk)
        services.case_review(actor=reviewer, case_id=c.pk, comment="银行卡照片与账号一致")  # reviewed → 复核
        c = submit("person_change", {"address": "演示路4号"})
        services.case_return(
            actor=desk, case_id=c.pk, comment="地址不完整", fields={"address": "请补充门牌号和单元号"}
        )  # returned
        c = submit("person_change", {"address": "演示路5号"})
        services.case_reject_intake(actor=desk, case_id=c.pk, comment="重复申请")  # rejected
        c = submit("person_change", {"address": "演示路6号"})
        services.case_accept(actor=desk, case_id=c.pk)
        services.case_refuse(actor=reviewer, case_id=c.pk, comment="地址无法核实")  # refused
        c = submit("person_change", {"address": "朝阳区演示路8号院2单元301"})
        services.case_accept(actor=desk, case_id=c.pk)
        services.case_approve(actor=reviewer, case_id=c.pk, comment="同意")  # approved
        n = 9
        if operator is not None:
            submit("employer_change", {"contact_name": "演示联系人"}, user=operator)
            n += 1
        self.stdout.write(
            f"示例申请：{n} 件（草稿、待受理、超期、审核中、待复核、退回补正、不予受理、不予批准、已办结）"
        )
