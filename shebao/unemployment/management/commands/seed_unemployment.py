"""``manage.py seed_unemployment [--if-empty]``: the demo city's 失业保险金 parameters
(Beijing-like representative values; the source string says they are demo figures to be
checked against the published notice). Run after ``seed_demo``."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from shebao.kernel.audit import audit_context
from shebao.register.access import SYSTEM_ACTOR
from shebao.unemployment import services
from shebao.unemployment.models import Parameter

DEMO = {
    "valid_from": "202509",
    "minimum_wage": "2540",  # 北京市最低工资标准（representative）
    "dibao": "1450",  # 北京市城乡居民最低生活保障标准（representative）
    "first": "2324",
    "later": "2104",
    "extension": "2104",
    "medical_base": "7162",
    "medical_rate": "0.098",
    "source_doc": "演示数据：参照北京市2025年失业保险金标准（正式使用前须按文号核对）",
}


class Command(BaseCommand):
    help = "Seed the demo city's unemployment-benefit parameters."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing if parameters exist")

    def handle(self, *args, **opts):
        if opts["if_empty"] and Parameter.objects.exists():
            self.stdout.write("已有失业保险金标准，未生成示例。")
            return
        with audit_context(actor_label="seed_unemployment"):
            row = services.parameter_add(actor=SYSTEM_ACTOR, jurisdiction=settings.SHEBAO_CITY_CODE, **DEMO)
        self.stdout.write(f"已生成失业保险金标准：{row.jurisdiction} 自 {row.valid_from}。")
