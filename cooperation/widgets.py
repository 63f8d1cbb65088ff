"""Menus and checkbox lists rendered in Python, as Django's own widget templates render them.

Django renders every `<option>` and checkbox of a widget through its templates, an include
per option and another for its attributes: about 10 µs an option. The attendance page draws
a menu of the cooperation's people and a checkbox per agenda item on every row of the roster
(20 rows × ~30 items and ~100 people: 400 ms a page on the benchmark data, 3.3 of every 3.9
seconds in the widget templates). These widgets take the context Django builds
(`get_context`, so choices, ids, `selected` and `checked` are Django's) and write what
`django/forms/widgets/select.html`, `multiple_input.html` and their includes write from it;
`tests/cooperation/test_widgets.py` compares the two, character for character.
"""

from __future__ import annotations

from django import forms
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe


def _shown(value) -> str:
    # `{{ value }}`: localized (a number or a date as the language writes it), then escaped.
    return conditional_escape(localize(value))


def _attrs(attrs: dict) -> str:
    # attrs.html: ` name="value"`, ` name` for True, nothing for False.
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(value)}"')
        for name, value in attrs.items()
        if value is not False
    )


def _input_option(option: dict) -> str:
    # checkbox_option.html: input_option.html around input.html, each file's line end kept.
    attrs = option["attrs"]
    value = option["value"]
    html = (
        f'<input type="{_shown(option["type"])}" '
        f'name="{_shown(option["name"])}"'
        + (f' value="{conditional_escape(value)}"' if value is not None else "")
        + f"{_attrs(attrs)}>\n"
    )
    if option["wrap_label"]:
        label_for = f' for="{_shown(attrs["id"])}"' if attrs.get("id") else ""
        html = f"<label{label_for}>{html} {_shown(option['label'])}</label>"
    return html + "\n\n"


class PythonRendered:
    """For a Select or a ChoiceWidget of inputs: `_render` writes the widget's template in
    Python from the context Django made for it."""

    def _render(self, template_name, context, renderer=None) -> SafeString:
        # Writes the class's own template (select.html or multiple_input.html): a widget given
        # another template_name is not for these classes.
        if template_name != self.template_name:  # one option alone (a BoundWidget)
            return super()._render(template_name, context, renderer)
        # As the renderer, which strips what the template writes.
        return mark_safe(self.html(context["widget"]).strip())

    def html(self, widget: dict) -> str:
        raise NotImplementedError


class Select(PythonRendered, forms.Select):
    def html(self, widget: dict) -> str:
        # select.html, with select_option.html (and its line end) for each option.
        parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(option["value"])}"'
                    f"{_attrs(option['attrs'])}>{_shown(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return "".join(parts)


class SelectMultiple(Select, forms.SelectMultiple):
    """select.html, as for Select (the `multiple` attribute is among the widget's attrs)."""


class CheckboxSelectMultiple(PythonRendered, forms.CheckboxSelectMultiple):
    def html(self, widget: dict) -> str:
        # multiple_input.html, with input_option.html for each checkbox.
        attrs = widget["attrs"]
        parts = [
            "<div"
            + (f' id="{_shown(attrs["id"])}"' if attrs.get("id") else "")
            + (f' class="{_shown(attrs["class"])}"' if attrs.get("class") else "")
            + ">"
        ]
        for group, options, _index in widget["optgroups"]:
            if group:
                parts.append(f"\n  <div><label>{_shown(group)}</label>")
            for option in options:
                parts.append(f"<div>\n    {_input_option(option)}</div>")
            if group:
                parts.append("\n  </div>")
        parts.append("\n</div>")
        return "".join(parts)
