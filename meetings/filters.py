"""Filters of the public archive lists (django-filter); every GET parameter goes through one."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

import django_filters
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import CaseKind
from cooperation.models import Body, Organisation

from .models import AgendaItem, Meeting

ORDER_CHOICES = [("nyeste", _("newest first")), ("eldste", _("oldest first"))]


def year_range(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The year in Norwegian time, as a range the index on the date can use."""
    zone = timezone.get_current_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=zone),
        datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


class ArchiveFilter(django_filters.FilterSet):
    aar = django_filters.NumberFilter(
        label=_("Year"), method="filter_year", min_value=1900, max_value=2200
    )
    rekkefolge = django_filters.ChoiceFilter(
        label=_("Order"), choices=ORDER_CHOICES, method="keep", empty_label=None
    )
    date_field = "start"

    def filter_year(self, queryset, name, value):
        start, end = year_range(int(value))
        return queryset.filter(**{f"{self.date_field}__gte": start, f"{self.date_field}__lt": end})

    def keep(self, queryset, name, value):
        # The order is applied by the keyset pagination, not as a filter.
        return queryset

    def get_form_class(self):
        """django-filter builds a new form class for every request; ours depend on the
        filterset's class alone (labels are lazy, querysets are copied into each form), so
        the class is built once per process."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    @property
    def newest_first(self) -> bool:
        return self.form.cleaned_data.get("rekkefolge") != "eldste"

    @property
    def form_key(self) -> str:
        """The values the form was given, cursors left out: with the language and the menus'
        contents, the whole rendered form follows from them (its errors included), so it is
        cached under this key (templates/meetings/meeting_list.html)."""
        return urlencode([(name, self.form[name].value() or "") for name in self.form.fields])


class MeetingFilter(ArchiveFilter):
    organ = django_filters.ModelChoiceFilter(
        label=_("Body"), field_name="body", queryset=Body.objects.select_related("cooperation")
    )

    class Meta:
        model = Meeting
        fields = ["organ", "aar", "rekkefolge"]


class DecisionFilter(ArchiveFilter):
    date_field = "meeting__start"
    organ = django_filters.ModelChoiceFilter(
        label=_("Body"), field_name="body", queryset=Body.objects.select_related("cooperation")
    )
    type = django_filters.ChoiceFilter(label=_("Kind"), field_name="kind", choices=CaseKind)
    utfall = django_filters.ChoiceFilter(
        label=_("Outcome"),
        field_name="outcome",
        choices=[c for c in AgendaItem.Outcome.choices if c[0]],
    )
    organisasjon = django_filters.ModelChoiceFilter(
        label=_("Member organisation"),
        method="filter_organisation",
        queryset=Organisation.objects.filter(representatives__isnull=False).distinct(),
    )

    class Meta:
        model = AgendaItem
        fields = ["organ", "aar", "type", "utfall", "organisasjon", "rekkefolge"]

    def filter_organisation(self, queryset, name, value):
        # Items of the bodies in which the organisation is represented.
        return queryset.filter(body__in=Body.objects.filter(memberships__on_behalf_of=value))
