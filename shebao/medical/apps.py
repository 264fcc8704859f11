from django.apps import AppConfig


class MedicalConfig(AppConfig):
    name = "shebao.medical"
    label = "medical"
    default_auto_field = "django.db.models.BigAutoField"
