"""``manage.py seed_complaints [--if-empty]``: a few 投诉举报 of the demo city through the
real services — a named service complaint answered and closed by the reviewer, a named one
waiting for a reply, and an anonymous fraud report routed to the auditors — so the staff
queue and the tracking page have something to show. Run after ``seed_demo``."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shebao.accounts.access import grant_for
from shebao.accounts.rules.permissions import Perm, UserKind
from shebao.complaints import services
from shebao.complaints.models import Complaint
from shebao.kernel.audit import audit_context


class Command(BaseCommand):
    help = "Seed sample complaints and reports (after seed_demo)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if complaints exist")

    def handle(self, *args, **opts):
        if opts["if_empty"] and Complaint.objects.exists():
            self.stdout.write("已有投诉举报，未生成示例。")
            return
        users = get_user_model().objects.filter(is_active=True).order_by("pk")
        citizen = users.filter(kind=UserKind.CITIZEN, person_id__isnull=False).first()
        if citizen is None:
            self.stdout.write("没有演示参保人账户（先运行 seed_demo），未生成投诉举报。")
            return
        with audit_context(actor_label="seed_complaints"):
            answered = services.complaint_submit(
                actor=citizen,
                category="service",
                subject="窗口等候时间过长",
                body="上周二上午在大厅办理社保卡补换，取号后等候近两个小时，希望增加窗口或开放网上办理。",
            ).complaint
            services.complaint_submit(
                actor=citizen,
                category="service",
                subject="网上办事大厅上传材料失败",
                body="用手机上传户口簿照片时多次提示失败，换电脑后才成功，希望改进手机端上传。",
            )
            reported = services.complaint_submit(
                actor=None,
                category="fraud",
                subject="有人冒领已故老人养老金",
                region_code=settings.SHEBAO_CITY_CODE,
                body="我们小区一位老人去年已去世，但家属仍在每月领取养老金，请核查。",
                anonymous=True,
            )
            handler = next(
                (
                    u
                    for u in users.filter(kind=UserKind.STAFF)
                    if grant_for(u, Perm.COMPLAINT_HANDLE, answered.region_code)
                ),
                None,
            )
            if handler is not None:
                services.complaint_reply(
                    actor=handler,
                    complaint_id=answered.pk,
                    reply="已核实情况，大厅已于本周起在上午高峰增开两个窗口，社保卡补换亦可在网上办事大厅申请。",
                )
                services.complaint_close(actor=handler, complaint_id=answered.pk, note="已答复并改进，办结。")
        self.stdout.write(
            f"投诉举报示例：3 件（匿名举报查询码 {reported.complaint.tracking_code} / {reported.secret}）"
        )
