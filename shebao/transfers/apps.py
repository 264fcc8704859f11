from django.apps import AppConfig


class TransfersConfig(AppConfig):
    name = "shebao.transfers"
    label = "transfers"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shebao.transfers import handlers  # noqa: F401 - registers the exchange message handlers
