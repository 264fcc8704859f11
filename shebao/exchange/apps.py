from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "shebao.exchange"
    label = "exchange"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shebao.exchange import checks  # noqa: F401 - registers the system check
