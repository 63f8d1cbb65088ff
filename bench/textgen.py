"""Norwegian text for the benchmark, built from the vocabulary of the demo's seed documents.

The seeds (meetings/demo/seed_*.txt, five real public documents) give about 6,700 words of
real Norwegian in real order. A paragraph here is a run of short fragments cut from them
(so common words and common phrases such as "sirkulær økonomi" keep their real order and
their real frequencies) with words drawn between the fragments from a Zipf-Mandelbrot
distribution over the seeds' content words followed by a long tail of compounds made from
them ("kompetanse" + "forum" -> "kompetanseforum"), as Norwegian makes them. So the text has
very common words (in most documents), a middle, and rare words found in a handful of
documents: what a search benchmark needs.

Everything is drawn from a seeded `random.Random`, so the same seed gives the same text.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

SEED_DIR = Path(__file__).resolve().parent.parent / "meetings" / "demo"
SECTION = re.compile(r"\[([a-z0-9-]+)\]")
WORD = re.compile(r"^[a-zæøåéüöä]+$")
# How often a word is drawn between fragments, and how many compounds form the tail.
ZIPF_S = 1.0
ZIPF_Q = 2.7
TAIL_COMPOUNDS = 50_000
ENDINGS = ("ene", "ens", "en", "et", "er", "ar", "ne", "a")
LINKING_S = ("ing", "het", "sjon", "tet", "skap", "dom")


def seed_paragraphs() -> list[str]:
    """The paragraphs of every seed's sections (the notes above the first section skipped)."""
    sections: list[list[str]] = []
    for path in sorted(SEED_DIR.glob("seed_*.txt")):
        current: list[str] | None = None
        for line in path.read_text(encoding="utf-8").splitlines():
            if SECTION.fullmatch(line):
                current = []
                sections.append(current)
            elif current is not None:
                current.append(line.rstrip())
    # A section's paragraphs are separated by blank lines.
    return [
        " ".join(paragraph.split())
        for lines in sections
        for paragraph in "\n".join(lines).split("\n\n")
        if paragraph.strip()
    ]


@dataclass
class Vocabulary:
    tokens: list[str]  # the seeds' running text, word by word, punctuation attached
    words: list[str]  # content words then compounds, most frequent first
    cum_weights: list[float]

    @classmethod
    def build(cls, seed: int = 7) -> Vocabulary:
        # PostgreSQL's Norwegian stop words, as the search module lists them (needs Django).
        from meetings.search import NORWEGIAN_STOP_WORDS

        tokens = [t for p in seed_paragraphs() for t in p.split()]
        counts: Counter[str] = Counter()
        for token in tokens:
            word = token.strip(".,;:!?()[]«»\"'–-•").lower()
            if WORD.match(word) and len(word) >= 3 and word not in NORWEGIAN_STOP_WORDS:
                counts[word] += 1
        content = [w for w, _n in counts.most_common()]
        known = set(content)
        rng = random.Random(seed)
        parts = [w for w in content if len(w) >= 4]
        compounds: list[str] = []
        seen: set[str] = set()
        while len(compounds) < TAIL_COMPOUNDS:
            first, second = rng.choice(parts), rng.choice(parts)
            if first == second:
                continue
            for ending in ENDINGS:
                if first.endswith(ending) and len(first) - len(ending) >= 4:
                    first = first[: -len(ending)]
                    break
            link = "s" if first.endswith(LINKING_S) else ""
            word = first + link + second
            if word in known or word in seen or len(word) > 28:
                continue
            seen.add(word)
            compounds.append(word)
        words = content + compounds
        cum = list(
            itertools.accumulate(1.0 / (rank + ZIPF_Q) ** ZIPF_S for rank in range(len(words)))
        )
        return cls(tokens=tokens, words=words, cum_weights=cum)

    @cached_property
    def tail(self) -> list[str]:
        """The compounds, the rarest last."""
        return self.words[len(self.words) - TAIL_COMPOUNDS :]


class TextMaker:
    """Sentences, paragraphs and titles in the seeds' Norwegian."""

    def __init__(self, vocabulary: Vocabulary, seed: int) -> None:
        self.v = vocabulary
        self.rng = random.Random(seed)
        self._last = len(vocabulary.tokens) - 8
        self._total = vocabulary.cum_weights[-1]

    def zipf_words(self, k: int) -> list[str]:
        rng, cum, words, total = self.rng.random, self.v.cum_weights, self.v.words, self._total
        return [words[bisect.bisect(cum, rng() * total)] for _ in range(k)]

    def fragment(self, length: int) -> list[str]:
        start = self.rng.randrange(self._last)
        return self.v.tokens[start : start + length]

    def sentence(self, length: int) -> str:
        rng = self.rng
        out: list[str] = []
        extra = self.zipf_words(length // 3 + 2)
        while len(out) < length:
            out.extend(self.fragment(rng.randint(2, 7)))
            if rng.random() < 0.6:
                out.append(extra.pop() if extra else self.zipf_words(1)[0])
        text = " ".join(out).rstrip(",;:–-")
        text = text[0].upper() + text[1:]
        return text if text.endswith((".", "!", "?")) else text + "."

    def paragraph(self) -> str:
        """About 40 words (median ~30), like the seeds' paragraphs."""
        rng = self.rng
        words = max(6, int(rng.lognormvariate(3.35, 0.55)))
        sentences = []
        while words > 0:
            length = min(words, rng.randint(8, 24))
            sentences.append(self.sentence(length))
            words -= length
        return " ".join(sentences)

    def paragraphs(self, n: int) -> str:
        return "\n\n".join(self.paragraph() for _ in range(n))

    def phrase(self, low: int = 2, high: int = 6) -> str:
        """A few words with no sentence punctuation: for titles."""
        out = self.fragment(self.rng.randint(low, high))
        if self.rng.random() < 0.7:
            out = out + self.zipf_words(1)
        text = " ".join(t.strip(".,;:!?()«»\"'•") for t in out).strip(" –-")
        text = " ".join(text.split()) or self.zipf_words(1)[0]
        return text[0].upper() + text[1:]

    TITLE_FORMS = (
        "{p}",
        "{p}",
        "{p}",
        "Høring – {q}",
        "Orientering om {q}",
        "Strategi for {q}",
        "Handlingsprogram {y}–{y2}: {q}",
        "Budsjett {y} – {q}",
        "Uttalelse om {q}",
        "Søknad om midler til {q}",
        "Oppfølging av {q}",
        "Rapport: {q}",
    )

    def title(self, year: int) -> str:
        form = self.rng.choice(self.TITLE_FORMS)
        phrase = self.phrase()
        return form.format(p=phrase, q=phrase[0].lower() + phrase[1:], y=year, y2=year + 3)[:300]
