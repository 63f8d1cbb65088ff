"""The seed texts shipped with the demo: one .txt file per seed, split into sections."""

import re
from functools import cache
from pathlib import Path

TEXT_DIR = Path(__file__).resolve().parent
SECTION = re.compile(r"\[([a-z0-9-]+)\]")


@cache
def sections(name: str) -> dict[str, str]:
    """The sections of `<name>.txt`: a line `[key]` starts one; lines before the first are notes."""
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in (TEXT_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines():
        match = SECTION.fullmatch(line)
        if match:
            current = found.setdefault(match.group(1), [])
        elif current is not None:
            current.append(line.rstrip())
    return {key: "\n".join(lines).strip("\n") for key, lines in found.items()}


def text(name: str, key: str) -> str:
    """One section of one seed's text; a missing key is a bug in the demo, so it raises."""
    return sections(name)[key]
