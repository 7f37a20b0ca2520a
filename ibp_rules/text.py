"""Bilingual text and the small helpers every loader needs for it.

User-facing text is Norwegian bokmål first with English alongside, so every
title, rationale and description in a rule file is a :class:`Text` with both
languages required: a missing translation fails at load time, not in front
of a coordinator.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Lang = Literal["nb", "en"]
LANGS: tuple[Lang, ...] = ("nb", "en")


class Text(BaseModel):
    """A text in bokmål (``nb``) and English (``en``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    nb: str = Field(min_length=1, max_length=2000, pattern=r"\S")
    en: str = Field(min_length=1, max_length=2000, pattern=r"\S")

    def get(self, lang: Lang) -> str:
        return self.nb if lang == "nb" else self.en


def did_you_mean(given: str, known: Iterable[str], n: int = 3, cutoff: float = 0.6) -> list[str]:
    """Close matches for a misspelt id, best first (empty when none is close).

    Dotted paths share long prefixes (``bolig.``), which makes everything in
    a section look alike; for them a stricter cutoff keeps the list short.
    """
    if "." in given:
        cutoff = max(cutoff, 0.85)
    return difflib.get_close_matches(given, sorted(known), n=n, cutoff=cutoff)


def suggestion_suffix(given: str, known: Iterable[str], lang: str = "en") -> str:
    """`` Did you mean: 'x'?`` (``Mente du``) or an empty string."""
    close = did_you_mean(given, known)
    if not close:
        return ""
    return f" {'Mente du' if lang == 'nb' else 'Did you mean'}: {', '.join(repr(c) for c in close)}?"
