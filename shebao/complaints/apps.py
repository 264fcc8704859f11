from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    """投诉举报: named or anonymous complaints and reports, tracking codes, routing, replies."""

    name = "shebao.complaints"
    label = "complaints"
    default_auto_field = "django.db.models.BigAutoField"
