"""Create the installation's first 系统管理 account and print its password slip.

    python manage.py create_first_admin --username admin --full-name 张三 --region 110000

Refused once an active administrator exists: from then on staff are created in the
system, by an administrator, with a password slip.
"""

from django.core.management.base import BaseCommand, CommandError

from shebao.accounts.rules.errors import AccountError
from shebao.accounts.services import staff_bootstrap_admin
from shebao.kernel.audit import audit_context


class Command(BaseCommand):
    help = "Create the first administrator (系统管理) and print a one-time password."

    def add_arguments(self, parser):
        parser.add_argument("--username", required=True)
        parser.add_argument("--full-name", required=True)
        parser.add_argument(
            "--region", required=True, help="6-digit region the admin post covers, e.g. 110000"
        )

    def handle(self, *args, **options):
        with audit_context(actor_label="create_first_admin"):
            try:
                user, password = staff_bootstrap_admin(
                    username=options["username"],
                    full_name=options["full_name"],
                    region_code=options["region"],
                )
            except AccountError as exc:
                raise CommandError(exc.bilingual()) from exc
        self.stdout.write(f"login name / 登录名: {user.username}")
        self.stdout.write(f"one-time password / 初始密码: {password}")
        self.stdout.write(
            "Change it and set up the one-time-code app at first login. 首次登录须修改密码并绑定动态口令。"
        )
