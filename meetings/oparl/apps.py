from django.apps import AppConfig


class OParlConfig(AppConfig):
    """The read-only OParl 1.1 API of everything public (docs/api.md)."""

    name = "meetings.oparl"
    label = "oparl"
    verbose_name = "OParl"
    default_auto_field = "django.db.models.BigAutoField"
