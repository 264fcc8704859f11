from django.apps import AppConfig


class UnemploymentConfig(AppConfig):
    name = "shebao.unemployment"
    label = "unemployment"
    default_auto_field = "django.db.models.BigAutoField"
