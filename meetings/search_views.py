"""The public search page, /sok/?q=… (the index and the queries are in meetings/search.py)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from .search import MAX_PAGES, MAX_QUERY_LENGTH, find

# The query string speaks Norwegian like the rest of the portal: ?q=…&sortering=dato&side=2.
ORDERS = {"relevans": "rank", "dato": "date"}


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search in minutes, decisions and case documents"),
        max_length=MAX_QUERY_LENGTH,
        required=False,
        widget=forms.SearchInput,
        help_text=_(
            "Words, a “phrase in quotes”, alternatives joined by or, -word to leave a word "
            "out, or a case number such as 48/20."
        ),
        error_messages={
            "max_length": _(
                "A search can be at most %(limit_value)d characters long (this one has "
                "%(show_value)d). Search for fewer or shorter words."
            ),
            "null_characters_not_allowed": _(
                "The search contains a control character (a null byte) and cannot be run."
            ),
        },
    )
    sortering = forms.ChoiceField(
        choices=[("relevans", _("Most relevant first")), ("dato", _("Newest first"))],
        required=False,
        error_messages={
            "invalid_choice": _("The hits can only be sorted by relevance or by date.")
        },
    )
    side = forms.IntegerField(
        min_value=1,
        max_value=MAX_PAGES,
        required=False,
        error_messages={
            "invalid": _("The page number must be a whole number."),
            "min_value": _("Pages are counted from 1."),
            "max_value": _(
                "Only the first %(limit_value)s pages of hits can be shown. Add words to narrow "
                "the search."
            ),
        },
    )


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    """Full-text search over published minutes, decisions, agendas and public case documents."""
    form = SearchForm(request.GET or None)
    context = {"form": form, "results": None, "order": "rank", "query": ""}
    if not form.is_bound:
        return render(request, "meetings/search.html", context)
    if not form.is_valid():
        return render(request, "meetings/search.html", context, status=400)
    query = form.cleaned_data["q"]
    order = ORDERS.get(form.cleaned_data["sortering"], "rank")
    context.update(query=query, order=order)
    if query:
        # Two queries whatever the number of hits: see `find` in meetings/search.py.
        context["results"] = find(query, order=order, page=form.cleaned_data["side"] or 1)
    return render(request, "meetings/search.html", context)
