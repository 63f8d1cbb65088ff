"""Filters of the public archive lists (django-filter); every GET parameter goes through one."""

from __future__ import annotations

import datetime
import functools
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
    """A list's filters. django-filter reads and checks the parameters and renders the form;
    the rows are read by a query compiled once per shape of request (CompiledPages), which
    applies the same filters to marker values: `parameters()` gives the request's values,
    `apply()` the filtered rows for them."""

    aar = django_filters.NumberFilter(
        label=_("Year"), method="filter_year", min_value=1900, max_value=2200
    )
    rekkefolge = django_filters.ChoiceFilter(
        label=_("Order"), choices=ORDER_CHOICES, method="keep", empty_label=None
    )
    date_field = "start"
    ORDER = "rekkefolge"

    def filter_year(self, queryset, name, value):
        return self.in_range(queryset, *year_range(int(value)))

    def in_range(self, queryset, start, end):
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

    @classmethod
    def given(cls, data) -> bool:
        """Whether the query string names any of the filters (else there is nothing to check)."""
        return any(name in data for name in cls.base_filters)

    @property
    def newest_first(self) -> bool:
        return self.form.cleaned_data.get(self.ORDER) != "eldste"

    def parameters(self) -> dict:
        """The filters chosen (the form valid), as the plain values they put in the SQL: a
        body as its id, a year as the moments it begins and ends."""
        values = {}
        for name, value in self.form.cleaned_data.items():
            if name == self.ORDER or value in django_filters.constants.EMPTY_VALUES:
                continue
            if name == "aar":
                values["aar_start"], values["aar_end"] = year_range(int(value))
            else:
                values[name] = getattr(value, "pk", value)
        return values

    @classmethod
    def apply(cls, queryset, **parameters):
        """`queryset` filtered by the filters of `parameters` (as parameters() gives them, or
        markers in their place): each filter's own filter() or method, as for `.qs`."""
        filterset = cls(queryset=queryset)  # unbound: its filters, bound to it, not a form
        if "aar_start" in parameters:
            start, end = parameters.pop("aar_start"), parameters.pop("aar_end")
            queryset = filterset.in_range(queryset, start, end)
        for name, value in parameters.items():
            queryset = filterset.filters[name].filter(queryset, value)
        return queryset


def form_key(filter_class: type[ArchiveFilter], data) -> str:
    """The values the form is given, cursors left out: with the language and the menus'
    contents, the whole rendered form follows from them (its errors included), so it is
    cached under this key (templates/meetings/meeting_list.html). Read as the form's own
    widgets read them (the last value of a parameter given twice, each part of a widget of
    several)."""
    return urlencode(
        [
            (name, str(field.widget.value_from_datadict(data, {}, name) or ""))
            for name, field in _form_fields(filter_class).items()
        ]
    )


@functools.cache
def _form_fields(filter_class: type[ArchiveFilter]) -> dict:
    """The fields of the class's form (their widgets read a query string the same way every
    time), made once per process."""
    return filter_class(queryset=filter_class._meta.model.objects.none()).form.fields


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
