"""`{{ case.background|richtext }}`: a case document's text, sanitised again on the way out."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from cases.richtext import sanitise

register = template.Library()


@register.filter(is_safe=True)
def richtext(value: object) -> SafeString:
    # Stored text was sanitised when it was saved; it is sanitised again here because not
    # every way in goes through the form (the admin, imports, the demo, older rows).
    return mark_safe(sanitise(str(value or "")))
