from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "shebao.benefits"
    label = "benefits"
    default_auto_field = "django.db.models.BigAutoField"
