"""The case texts' sanitiser (ADR 0006): what it keeps, what it removes, and the plain text."""

import re

import pytest
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from cases.richtext import TAGS, as_plain_text_if_lossless, plain_text, sanitise

# Sanitising


def test_the_allowed_tags_are_kept():
    html = (
        "<h3>Bakgrunn</h3><h4>Økonomi</h4><p>Et <strong>fett</strong> og <em>kursivt</em> ord"
        "<br>på to linjer.</p><ul><li>én</li></ul><ol><li>to</li></ol>"
        "<blockquote>Sitat</blockquote>"
    )
    assert sanitise(html) == html


@pytest.mark.parametrize(
    "html, kept",
    [
        ("<p>Hei</p><script>alert(1)</script>", "<p>Hei</p>"),
        ("<p>Hei</p><style>p { display: none }</style>", "<p>Hei</p>"),
        ('<p onclick="alert(1)" onmouseover="alert(2)">Hei</p>', "<p>Hei</p>"),
        ('<p style="color: red" class="x" id="y">Hei</p>', "<p>Hei</p>"),
        ('<p title="t" lang="en" dir="rtl">Hei</p>', "<p>Hei</p>"),
        ('<p>Hei<img src="x" onerror="alert(1)"></p>', "<p>Hei</p>"),
        ("<p>Hei<iframe src='https://example.com'></iframe></p>", "<p>Hei</p>"),
        ("<h1>Tittel</h1><p>Hei</p>", "Tittel<p>Hei</p>"),
        ("<p>Hei<!-- kommentar --></p>", "<p>Hei</p>"),
        ("<p><svg><script>alert(1)</script></svg>Hei</p>", "<p>Hei</p>"),
    ],
)
def test_scripts_styles_handlers_and_other_tags_are_removed(html, kept):
    assert sanitise(html) == kept


@pytest.mark.parametrize(
    "href",
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "java&#09;script:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "/relativ/sti",
        "//elsewhere.example/",
    ],
)
def test_links_other_than_http_https_and_mailto_lose_their_address(href):
    cleaned = sanitise(f'<p><a href="{href}">lenke</a></p>')
    assert "href" not in cleaned and "lenke" in cleaned


@pytest.mark.parametrize(
    "href", ["https://www.regjeringen.no/", "http://example.no/a?b=c", "mailto:post@example.no"]
)
def test_web_and_mail_links_are_kept_with_rel_noopener(href):
    cleaned = sanitise(f'<p><a href="{href}" target="_blank" title="x">lenke</a></p>')
    assert cleaned == f'<p><a href="{href.replace("&", "&amp;")}" rel="noopener">lenke</a></p>'


def test_plain_text_becomes_escaped_paragraphs_and_line_breaks():
    text = "Første linje\nandre linje\n\nNytt avsnitt med <tegn> & «anførsel»"
    assert sanitise(text) == (
        "<p>Første linje<br>andre linje</p>\n\n"
        "<p>Nytt avsnitt med &lt;tegn&gt; &amp; «anførsel»</p>"
    )


def test_markup_left_without_a_block_is_still_read_as_html_and_never_escaped_twice():
    assert sanitise("<h4>R&amp;D</h5>") == "<h4>R&amp;D</h4>"
    assert sanitise("</h4>R&amp;D <b>x</b>") == "<p>R&amp;D x</p>"
    assert sanitise(sanitise("</h4>R&amp;D <b>x</b>")) == "<p>R&amp;D x</p>"
    assert as_plain_text_if_lossless(sanitise("</h4>R&amp;D")) == "R&D"


def test_a_script_typed_as_plain_text_is_shown_as_text():
    assert sanitise("<script>alert(1)</script>") == "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_plain_lines_with_a_bold_word_keep_their_paragraphs():
    text = "Første avsnitt\n\nAndre med <strong>fet</strong> skrift"
    assert sanitise(text) == "<p>Første avsnitt</p>\n\n<p>Andre med <strong>fet</strong> skrift</p>"


TAG = re.compile(r"<([a-zA-Z][^\s/>]*)([^>]*)>")
ATTRIBUTE = re.compile(r'([^\s=]+)="[^"]*"')
FRAGMENTS = [
    *(f"<{tag}>" for tag in TAGS),
    *(f"</{tag}>" for tag in TAGS),
    "<script>",
    "</script>",
    "<img src=x ",
    " onerror=alert(1)>",
    '<a href="javascript:alert(1)">',
    '<a href="https://example.no">',
    "<!--",
    "\n\n",
    "&amp;",
    "<",
    ">",
]


@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5)).map("".join))
def test_whatever_comes_in_only_allowed_tags_and_attributes_come_out(text):
    cleaned = sanitise(text)
    for name, attributes in TAG.findall(cleaned):
        assert name in TAGS
        assert set(ATTRIBUTE.findall(attributes)) <= {"href", "rel"}
    assert "javascript:" not in cleaned.lower()


# The plain text for the search index and the open data


def test_the_plain_text_has_the_words_without_tags_and_entities():
    html = (
        "<h3>Saken</h3><p>Styret <strong>slutter</strong> seg til&nbsp;forslaget"
        "<br>om R&amp;D.</p><ul><li>én</li><li>to</li></ul><script>alert(1)</script>"
    )
    assert plain_text(html) == "Saken\n\nStyret slutter seg til forslaget\nom R&D.\n\nén\nto"


def test_an_old_plain_text_is_its_own_plain_text():
    assert plain_text("Se <https://example.no> og R&amp;D\n\nmer") == (
        "Se <https://example.no> og R&amp;D\n\nmer"
    )


def test_an_editor_left_empty_has_no_plain_text():
    assert plain_text("<p><br></p>") == ""


# What the bare textarea shows


def test_paragraphs_only_are_shown_as_plain_text_in_the_textarea():
    assert as_plain_text_if_lossless("<p>a<br>b</p>\n<p>c &amp; d</p>") == "a\nb\n\nc & d"
    assert sanitise("a\nb\n\nc & d") == "<p>a<br>b</p>\n\n<p>c &amp; d</p>"


def test_richer_text_is_shown_as_sanitised_html_in_the_textarea():
    assert as_plain_text_if_lossless("<p>a <strong>b</strong></p>") == "<p>a <strong>b</strong></p>"
    # "<em>" as words would be taken for a tag when saved again: it stays HTML.
    assert as_plain_text_if_lossless("<p>&lt;em&gt;</p>") == "<p>&lt;em&gt;</p>"


# The template filter


def render(value: str) -> str:
    return Template("{% load richtext %}{{ value|richtext }}").render(Context({"value": value}))


def test_the_filter_renders_allowed_markup_and_sanitises_again():
    html = '<p>Et <em>ord</em></p><script>alert(1)</script><a href="javascript:x">y</a>'
    assert render(html) == '<p>Et <em>ord</em></p><a rel="noopener">y</a>'


def test_the_filter_renders_an_old_plain_text_as_paragraphs():
    assert (
        render("Linje\n\n<b>ikke fet</b>") == "<p>Linje</p>\n\n<p>&lt;b&gt;ikke fet&lt;/b&gt;</p>"
    )


def test_the_filter_renders_nothing_for_nothing():
    assert render("") == "" and render(None) == ""
