"""``manage.py seed_medical [--if-empty]``: a few 异地就医备案 of the demo city through the
real services — a temporary 其他临时外出就医 for the first demo citizen and a long-term
异地长期居住 for the second — so the citizen page and the staff view have something to
show. Run after ``seed_demo``."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from shebao.accounts.rules.permissions import UserKind
from shebao.kernel.audit import audit_context
from shebao.kernel.divisions import division_exists_now
from shebao.medical import services
from shebao.medical.errors import MedicalError
from shebao.medical.models import Registration

DESTINATIONS = ("310104", "310101", "440305", "510107", "110105")  # 徐汇, 黄浦, 南山, 武侯, 朝阳


class Command(BaseCommand):
    help = "Seed sample cross-region medical registrations (after seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if registrations exist")

    def handle(self, *args, **opts):
        if opts["if_empty"] and Registration.objects.exists():
            self.stdout.write("已有异地就医备案，未生成示例。")
            return
        citizens = list(
            get_user_model()
            .objects.filter(is_active=True, kind=UserKind.CITIZEN, person_id__isnull=False)
            .order_by("pk")[:2]
        )
        if not citizens:
            self.stdout.write("没有演示参保人账户（先运行 seed_demo），未生成异地就医备案。")
            return
        made = 0
        today = timezone.localdate()
        with audit_context(actor_label="seed_medical"):
            for citizen, category in zip(citizens, ("other_temporary", "long_residence"), strict=False):
                for code in DESTINATIONS:
                    if not division_exists_now(code):
                        continue
                    try:
                        services.medical_registration_create(
                            actor=citizen, person_id=citizen.person_id, category=category,
                            destination_code=code, valid_from=today, commitment=True,
                        )  # fmt: skip
                    except MedicalError:
                        continue  # same province as the person, or already registered
                    made += 1
                    break
        self.stdout.write(f"已生成 {made} 条异地就医备案示例。")
