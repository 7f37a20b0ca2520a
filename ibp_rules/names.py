"""Find a catalogue item (a measure, a partner, a case) by what a person types.

People never need to type ids: a measure is found by its title in either
language or by its id, whatever the case, with or without æøå and with
spaces, hyphens or underscores alike — "Bostøtte", "bostotte", "BOSTØTTE",
"overgangsstønad", "leie til eie", "Housing allowance" all work. A near
miss gets a did-you-mean that shows titles, not ids.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Protocol

from .errors import UnknownIdError
from .text import Lang, Text, did_you_mean

_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ä": "a", "ö": "o", "ü": "u"})


def fold(text: str) -> str:
    """What is compared: lower case, æ→ae ø→o å→a (as ids are written), accents
    dropped, and anything but letters and digits a single space."""
    text = text.casefold().translate(_LETTERS)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


class _Titled(Protocol):
    @property
    def title(self) -> Text: ...


def _names(item_id: str, item: _Titled | Text | None) -> list[str]:
    title = item if isinstance(item, Text) else getattr(item, "title", None)
    return [item_id] + ([title.nb, title.en] if isinstance(title, Text) else [])


def find(given: str, items: Mapping[str, _Titled | Text | None], kind: str, lang: Lang = "nb", by_id: bool = False,
         former: Mapping[str, str] | None = None) -> str:
    """The id of the item ``given`` names (its id or title, folded); else
    :class:`~ibp_rules.errors.UnknownIdError` with close titles to choose from.

    ``items`` maps ids to something with a ``title`` (a catalogue entry) or
    to the title itself. ``by_id``: the suggestions are ids (for items people
    know by their id, such as the worked cases' file names). ``former`` maps
    ids the catalogue has folded into others (``replaces``) to their
    replacement, so an old id still names what it became.
    """
    if former and given in former:
        return former[given]
    key = fold(given)
    hits = sorted({item_id for item_id, item in items.items() if any(fold(n) == key for n in _names(item_id, item)) and key})
    if len(hits) == 1:
        return hits[0]
    shown = hits or suggestions(given, items, lang, ids=True)
    raise UnknownIdError(kind, given, shown if by_id else [display(i, items, lang) for i in shown])


def suggestions(given: str, items: Mapping[str, _Titled | Text | None], lang: Lang = "nb", n: int = 3, ids: bool = False) -> list[str]:
    """Titles (in ``lang``; with ``ids`` the ids) of the items closest to ``given``: a near miss, or a word they contain."""
    key = fold(given)
    by_name: dict[str, str] = {}
    for item_id, item in items.items():
        for name in _names(item_id, item):
            by_name.setdefault(fold(name), item_id)
    close = [by_name[k] for k in did_you_mean(key, by_name)]
    if key:
        close += sorted({i for k, i in by_name.items() if re.search(rf"\b{re.escape(key)}", k)})
    best = list(dict.fromkeys(close))[:n]
    return best if ids else [display(i, items, lang) for i in best]


def display(item_id: str, items: Mapping[str, _Titled | Text | None], lang: Lang) -> str:
    """``Bostøtte`` — the title a person knows an item by (the id if it has none)."""
    item = items.get(item_id)
    title = item if isinstance(item, Text) else getattr(item, "title", None)
    return title.get(lang) if isinstance(title, Text) else item_id


def find_all(given: Iterable[str], items: Mapping[str, _Titled | Text | None], kind: str, lang: Lang = "nb") -> list[str]:
    """Ids for several names (raises for the first unknown one)."""
    return [find(g, items, kind, lang) for g in given]
