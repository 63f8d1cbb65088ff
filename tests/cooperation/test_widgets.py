"""Our Python-rendered widgets write what Django's widget templates write."""

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from cooperation import widgets

CHOICES = [
    ("", "---------"),
    (1, "Kari Nordmann"),
    (2, 'Ola "O\'Brien" <Ås> & Co'),
    ("3", gettext_lazy("Chair")),
    (4, mark_safe("<b>trygg</b>")),
]
GROUPED = [
    ("Innlandet", [(10, "Hamar"), (11, "Gjøvik & Lillehammer")]),
    (12, "Uten gruppe"),
    ("Tom <gruppe>", []),
]
ATTRS = [
    None,
    {"id": "id_form-0-substitute_for"},
    {"id": "x<y", "class": "wide", "required": True, "disabled": False, "data-n": 3},
    {"class": ""},
]


# Ours and Django's, with the values each can be given.
PAIRS = [
    (widgets.Select, forms.Select, [None, "", 1, "2", 4, 11, "nothing"]),
    (widgets.SelectMultiple, forms.SelectMultiple, [None, [], [1], ["2", 4], [10, 12], ["x"]]),
    (
        widgets.CheckboxSelectMultiple,
        forms.CheckboxSelectMultiple,
        [None, [], [1], ["2", 4], [10, 12], ["x"]],
    ),
]


@pytest.mark.parametrize(
    ("ours", "django", "values"), PAIRS, ids=lambda p: getattr(p, "__name__", "")
)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("choices", [CHOICES, GROUPED, []], ids=["flat", "grouped", "empty"])
def test_the_widget_writes_what_django_s_template_writes(ours, django, values, choices, attrs):
    for value in values:
        written = ours(choices=choices).render("form-0-field", value, attrs)
        assert written == django(choices=choices).render("form-0-field", value, attrs), value


@pytest.mark.parametrize("language", ["nb", "en"])
def test_labels_that_are_not_texts_are_written_as_the_language_writes_them(language):
    # The templates localize what they show: "1,5" and "1. mai 2024" in Norwegian.
    choices = [(1, Decimal("1.5")), (2, datetime.date(2024, 5, 1)), (Decimal("2.5"), [(3, 7)])]
    attrs = {"id": Decimal("0.5"), "class": 1.25}
    with translation.override(language):
        for ours, django, _values in PAIRS:
            written = ours(choices=choices).render("n", [2], attrs)
            assert written == django(choices=choices).render("n", [2], attrs)


def test_a_bound_field_renders_the_same_with_its_id_and_errors():
    class Row(forms.Form):
        role = forms.ChoiceField(choices=[("member", "Member"), ("guest", "Guest")])
        left = forms.MultipleChoiceField(
            choices=[(1, "Sak 1/24"), (2, "Sak 2/24")], widget=forms.CheckboxSelectMultiple
        )

    class Ours(Row):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["role"].widget = widgets.Select(choices=self.fields["role"].choices)
            self.fields["left"].widget = widgets.CheckboxSelectMultiple(
                choices=self.fields["left"].choices
            )

    for data in ({"role": "guest", "left": ["2"]}, {"role": "other"}, None):
        ours, django = Ours(data, prefix="form-3"), Row(data, prefix="form-3")
        assert str(ours["role"]) == str(django["role"])
        assert str(ours["left"]) == str(django["left"])
        assert [str(box) for box in ours["left"]] == [str(box) for box in django["left"]]
