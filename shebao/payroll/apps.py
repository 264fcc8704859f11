from django.apps import AppConfig


class PayrollConfig(AppConfig):
    name = "shebao.payroll"
    label = "payroll"
    default_auto_field = "django.db.models.BigAutoField"
