from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "shebao.benefits"
    label = "benefits"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shebao.payroll import hooks

        hooks.before_start("register_deaths", _register_deaths_before_payroll)


def _register_deaths_before_payroll(*, period: int) -> int:
    """Before a payroll starts: process the deaths recorded in the register (死亡登记), so
    nobody is paid for a month after their death; the count goes into the run's audit."""
    from shebao.benefits.services import register_deaths_sweep
    from shebao.register.access import SYSTEM_ACTOR

    return len(register_deaths_sweep(actor=SYSTEM_ACTOR))
