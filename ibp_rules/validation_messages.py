"""Turn pydantic validation errors into short bokmål/English messages.

pydantic's own messages are English and sometimes echo the rejected input.
A coordinator needs Norwegian, and the input may be health data, so we say
*what was expected* from the schema and never repeat what was given.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem
from .text import Text, did_you_mean
from .yaml_source import SourceError, format_path, read_file


def _expected_values(ctx: dict[str, Any]) -> str:
    expected = str(ctx.get("expected", ""))
    return expected.replace("'", "").replace(" or ", ", ")


def describe(err: Any, known_fields: list[str] | None = None) -> Text:
    """A message for one pydantic error dict (``exc.errors()`` item).

    ``known_fields`` (the fields allowed where an unknown one was found)
    turns "unknown field" into a did-you-mean.
    """
    kind: str = err.get("type", "")
    ctx: dict[str, Any] = err.get("ctx") or {}
    if kind == "extra_forbidden":
        given = str(err.get("loc", ("",))[-1])
        close = did_you_mean(given, known_fields or [])
        if close:
            return Text(nb=f"ukjent felt; mente du {' eller '.join(close)}?", en=f"unknown field; did you mean {' or '.join(close)}?")
        if known_fields:
            allowed = ", ".join(known_fields)
            return Text(nb=f"ukjent felt; tillatte felt: {allowed}", en=f"unknown field; allowed fields: {allowed}")
        return Text(nb="ukjent felt – sjekk stavingen", en="unknown field - check the spelling")
    if kind == "missing":
        return Text(nb="feltet mangler", en="field required")
    if kind in ("enum", "literal_error"):
        values = _expected_values(ctx)
        return Text(nb=f"ukjent verdi; gyldige verdier: {values}", en=f"unknown value; expected one of: {values}")
    if kind in ("bool_type", "bool_parsing"):
        return Text(nb="forventet true (ja), false (nei) eller null (vet ikke)", en="expected true, false or null (unknown)")
    if kind in ("int_type", "int_parsing", "int_from_float", "float_type", "float_parsing"):
        whole = kind.startswith("int")
        nb, en = ("et heltall", "a whole number") if whole else ("et tall", "a number")
        if isinstance(err.get("input"), bool):  # only its type is looked at, never shown
            return Text(nb=f"forventet {nb}, ikke ja/nei (YAML leser yes/no/on/off som ja/nei)",
                        en=f"expected {en}, not true/false (YAML reads yes/no/on/off as true/false)")
        return Text(nb=f"forventet {nb}", en=f"expected {en}")
    if kind == "finite_number":
        return Text(nb="forventet et endelig tall (ikke NaN eller uendelig)", en="expected a finite number (not NaN or infinity)")
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        sign = {"greater_than_equal": "≥", "greater_than": ">", "less_than_equal": "≤", "less_than": "<"}[kind]
        limit = next(iter(ctx.values()), "?")
        return Text(nb=f"tallet må være {sign} {limit}", en=f"the number must be {sign} {limit}")
    if kind in ("string_type", "string_unicode"):
        return Text(nb="forventet tekst", en="expected text")
    if kind == "string_too_long":
        n = ctx.get("max_length", "?")
        return Text(nb=f"teksten er for lang (høyst {n} tegn)", en=f"text too long (at most {n} characters)")
    if kind == "string_too_short":
        return Text(nb="teksten kan ikke være tom", en="the text cannot be empty")
    if kind == "string_pattern_mismatch":
        return Text(nb="ugyldig id: små bokstaver a–z, sifre og _", en="invalid id: lowercase a-z, digits and _")
    if kind == "too_long":
        n = ctx.get("max_length", "?")
        return Text(nb=f"listen er for lang (høyst {n} elementer)", en=f"list too long (at most {n} items)")
    if kind in ("list_type", "tuple_type", "set_type"):
        return Text(nb="forventet en liste", en="expected a list")
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return Text(nb="forventet en seksjon (nøkkel: verdi)", en="expected a mapping (key: value)")
    if kind == "recursion_loop":
        return Text(nb="for dyp nøsting", en="nested too deeply")
    msg = str(err.get("msg", "invalid value"))
    return Text(nb=f"ugyldig verdi ({msg})", en=msg)


def located_problems(exc: Any, located: Any, known_fields: Callable[[tuple[Any, ...]], list[str]] | None = None) -> list[Problem]:
    """pydantic errors as located, bilingual problems (never echoing input).

    ``known_fields(loc)`` lists the fields allowed at ``loc``, for a
    did-you-mean on unknown ones.
    """
    problems = []
    # the input is included only so that describe() can tell a true/false from
    # a number by its type; no message ever shows it
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        unknown = err.get("type") == "extra_forbidden"
        fields = known_fields(loc[:-1]) if known_fields and unknown else None
        text = describe(err, fields)
        # an unknown key is the writer's text: name where it is (the section
        # and the line) and what is allowed there, never the key itself
        shown = loc[:-1] if unknown else loc
        problems.append(Problem(located.file, located.line_of(loc), format_path(shown), text.en, message_nb=text.nb))
    return sorted(set(problems), key=lambda p: (p.line or 0, p.path))


M = TypeVar("M", bound=BaseModel)


def load_model(model: type[M], path: Path, error: type[InputError]) -> M:
    """Read a YAML/JSON file into ``model``, or raise ``error`` with every problem located."""
    try:
        located = read_file(path)
    except SourceError as exc:
        raise error(exc.problem) from None
    try:
        return model.model_validate(located.data or {})
    except ValidationError as exc:
        raise error(located_problems(exc, located)) from None
