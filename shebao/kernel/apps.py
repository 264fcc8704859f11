from django.apps import AppConfig


class KernelConfig(AppConfig):
    name = "shebao.kernel"
    label = "kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shebao.kernel import checks  # noqa: F401  (registers the system checks)
