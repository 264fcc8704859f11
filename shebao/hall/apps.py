from django.apps import AppConfig


class HallConfig(AppConfig):
    """网上办事大厅: service catalogue and guides, applications (cases) and their review workflow."""

    name = "shebao.hall"
    label = "hall"
    default_auto_field = "django.db.models.BigAutoField"
