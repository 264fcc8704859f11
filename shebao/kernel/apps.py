from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _reference_data_restore(sender, using, apps=None, **kwargs) -> None:
    """Refill the reference tables the data migrations load (divisions, calendar) when
    they are empty after ``migrate`` finishes.

    ``manage.py flush`` and the flush at the end of every transactional test empty
    every table and then send ``post_migrate`` (as Django does to recreate content
    types and permissions); without this the next user of the database would find
    no divisions and no working-day calendar.
    """
    if apps is None:  # flush sends no migration state: use the live models
        from django.apps import apps
    try:
        division = apps.get_model("kernel", "Division")
        calendar_day = apps.get_model("kernel", "CalendarDay")
    except LookupError:  # the kernel app is migrated to zero
        return
    from shebao.kernel.calendar import calendar_load
    from shebao.kernel.divisions import divisions_cache_clear, divisions_load

    if not division.objects.using(using).exists():
        divisions_load(model=division)
        divisions_cache_clear()
    if not calendar_day.objects.using(using).exists():
        calendar_load(model=calendar_day)


class KernelConfig(AppConfig):
    name = "shebao.kernel"
    label = "kernel"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shebao.kernel import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(_reference_data_restore, sender=self, dispatch_uid="kernel.reference_data")
