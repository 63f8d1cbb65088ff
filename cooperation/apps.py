from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CooperationConfig(AppConfig):
    name = "cooperation"
    verbose_name = _("Cooperations and bodies")

    def ready(self) -> None:
        # The audit of role changes, whatever path makes them (cooperation/audit.py).
        from . import audit

        audit.connect()
