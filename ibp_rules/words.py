"""Words of the readable outputs in nb and en (``labels/output.yaml``).

The terminal views, the printed plan and the web pages say the same things in
the same words, so the words live in one file that can be reworded without
touching code. ``values`` give the ids a strategy carries (collaboration
forms, phases, decision statuses …) as words, so English output never shows
a Norwegian id and Norwegian output never shows a slug.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from .text import Lang, Text
from .yaml_source import read_file

_FILE = Path(__file__).parent / "labels" / "output.yaml"


def read_texts(path: Path) -> dict[str, Any]:
    """A YAML file of nested tables whose leaves are ``{nb, en}`` texts, the leaves as :class:`Text`."""

    def tree(node: Any) -> Any:
        if isinstance(node, dict) and set(node) == {"nb", "en"}:
            return Text.model_validate(node)
        if isinstance(node, dict):
            return {k: tree(v) for k, v in node.items()}
        raise ValueError(f"{path}: expected a table or an {{nb, en}} text, found {node!r}")

    data = read_file(path).data
    assert isinstance(data, dict)
    return {k: tree(v) for k, v in data.items()}


@functools.lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return read_texts(_FILE)


@functools.lru_cache(maxsize=2)
def words(lang: Lang) -> dict[str, str]:
    """Every output word in ``lang``, by key (the templates' ``L``)."""
    return {k: t.get(lang) for k, t in _data()["words"].items()}


def value_word(vocab: str, value: str, lang: Lang) -> str:
    """An id of a vocabulary (``form``, ``phase``, ``decision`` …) as a word; unknown ids stay as they are."""
    t = _data()["values"].get(vocab, {}).get(value)
    return t.get(lang) if t is not None else value


def vocabularies() -> dict[str, dict[str, Text]]:
    """The raw value tables (for the JSON Schema labels and completeness tests)."""
    return dict(_data()["values"])


def number(value: float, lang: Lang, decimals: int = 0) -> str:
    """A number as people write it: ``10 000`` and ``82,3`` in nb, ``10,000`` and ``82.3`` in en."""
    text = f"{value:,.{decimals}f}"
    if lang == "nb":  # thousands with a no-break space, decimal comma
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def percent(part: int, whole: int, lang: Lang) -> str:
    """``82,3 %`` (nb) or ``82.3%`` (en); a dash when there is no whole."""
    if not whole:
        return "–"
    value = number(100 * part / whole, lang, 1)
    return f"{value}\u00a0%" if lang == "nb" else f"{value}%"
