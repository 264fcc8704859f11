from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    """参保证明 and other certificates: PDF with QR and verification code, public verification page."""

    name = "shebao.certificates"
    label = "certificates"
    default_auto_field = "django.db.models.BigAutoField"
