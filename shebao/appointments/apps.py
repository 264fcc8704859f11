from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    """网上预约: halls, counters, time slots with capacity, bookings and queue numbers."""

    name = "shebao.appointments"
    label = "appointments"
    default_auto_field = "django.db.models.BigAutoField"
