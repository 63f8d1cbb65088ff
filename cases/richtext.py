"""Rich text of case documents: a small allow-list, sanitised on input and on output (ADR 0006).

A text without any of the allowed tags is plain text: it is escaped, and its line breaks make
the paragraphs. That is how the texts were written before, how the bare textarea (no
JavaScript) sends them, and how the form keeps a text that has no formatting beyond
paragraphs; only formatted text is stored as HTML.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.html import linebreaks

TAGS = frozenset({"p", "br", "strong", "em", "ul", "ol", "li", "a", "h3", "h4", "blockquote"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})

# One cleaner each, built once: nh3 compiles the rules when the Cleaner is made.
_ALLOWED = nh3.Cleaner(
    tags=set(TAGS),
    # "*": none of the attributes ammonia allows on every tag by default (lang, title).
    attributes={"*": set(), "a": {"href"}},
    url_schemes=set(URL_SCHEMES),
    # A relative or scheme-relative link ("/x", "//elsewhere.example") is no address a
    # secretary meant to write; only absolute http(s) and mailto links are kept.
    url_relative="deny",
    link_rel="noopener",
)
_NO_TAGS = nh3.Cleaner(tags=set(), attributes={"*": set()})
_PARAGRAPHS_ONLY = nh3.Cleaner(tags={"p", "br"}, attributes={"*": set()}, link_rel=None)
# Markup is recognised by the allowed tags only: an old plain text that happens to hold
# "<https://…>" or "<navn>" is shown as written, not parsed and emptied.
_ALLOWED_TAG = re.compile(rf"</?(?:{'|'.join(sorted(TAGS))})(?:\s[^<>]*)?/?>", re.IGNORECASE)
_BLOCK_TAG = re.compile(r"</?(?:p|br|ul|ol|li|h3|h4|blockquote)\b", re.IGNORECASE)
# Where the words of one block end and the next begin, in the sanitiser's own serialisation.
_LINE_END = re.compile(r"<br>|</li>")
_BLOCK_END = re.compile(r"</(?:p|h3|h4|blockquote|ul|ol)>")


def is_markup(text: str) -> bool:
    """Whether the text is HTML (has an allowed tag), as opposed to plain text."""
    return _ALLOWED_TAG.search(text) is not None


def sanitise(text: str) -> str:
    """The text as allow-listed HTML; plain text becomes paragraphs and line breaks."""
    if not text or not text.strip():
        return ""
    if not is_markup(text):
        text = linebreaks(text, autoescape=True)
    elif not _BLOCK_TAG.search(text):
        # Words with a bold or a link typed into the bare textarea: the lines still count.
        text = linebreaks(text, autoescape=False)
    cleaned = _ALLOWED.clean(text).strip()
    if cleaned and not _BLOCK_TAG.search(cleaned):
        # No block is left (its tags were not allowed): one paragraph, so that the result
        # is read as HTML again, not as plain text whose "&amp;" would be escaped twice.
        cleaned = f"<p>{cleaned}</p>"
    return cleaned


def plain_text(text: str) -> str:
    """The words of a rich text without any tags, for the search index and the open data."""
    if not text or not is_markup(text):
        return (text or "").strip()
    marked = _BLOCK_END.sub("\n\n", _LINE_END.sub("\n", _ALLOWED.clean(text)))
    words = html.unescape(_NO_TAGS.clean(marked)).replace("\xa0", " ")
    lines = (line.strip() for line in words.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def as_plain_text_if_lossless(text: str) -> str:
    """HTML of paragraphs and line breaks only, as the plain text `sanitise` turns back into it.

    So the bare textarea (no JavaScript) shows what was written rather than tags, and plain
    consumers (the minutes' prefilled decision) keep getting plain text; a text with any other
    markup is returned as sanitised HTML.
    """
    if not text or not is_markup(text):
        return text
    cleaned = _ALLOWED.clean(text)
    if _PARAGRAPHS_ONLY.clean(cleaned) != cleaned:
        return cleaned
    plain = plain_text(cleaned)
    return cleaned if is_markup(plain) else plain
