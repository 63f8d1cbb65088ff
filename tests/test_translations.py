"""Bokmål is the default language: every string has a translation, and the compiled file matches."""

import gettext
import re
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "cooperation/locale/nb/LC_MESSAGES/django.po"
ENTRY = re.compile(r'^msgid ((?:".*"\n)+)msgstr ((?:".*"\n?)+)', re.M)


def entries() -> dict[str, str]:
    def join(lines: str) -> str:
        text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', lines))
        escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
        return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(0)), text)

    found = {}
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        match = ENTRY.search(block)
        if match and join(match.group(1)):
            # A fuzzy entry is a guess makemessages made; gettext ignores it, and so do we.
            fuzzy = re.search(r"^#,.*\bfuzzy\b", block, re.M)
            found[join(match.group(1))] = "" if fuzzy else join(match.group(2))
    return found


def test_every_string_has_a_bokmal_translation():
    untranslated = [msgid for msgid, msgstr in entries().items() if not msgstr]
    assert untranslated == []


def test_the_compiled_translations_match_the_po_file():
    compiled = gettext.GNUTranslations(PO.with_suffix(".mo").open("rb"))
    stale = [m for m, s in entries().items() if s and compiled.gettext(m) != s]
    assert stale == [], "run `make messages` to recompile"


def test_every_plural_string_has_its_bokmal_forms():
    empty_forms = re.findall(
        r'^msgid_plural (".*")\n(?:msgstr\[\d\] .*\n)*?msgstr\[\d\] ""\n(?!")',
        PO.read_text(encoding="utf-8") + "\n",
        re.M,
    )
    assert empty_forms == []
