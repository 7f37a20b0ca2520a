"""Turn pydantic validation errors into short bokmål/English messages.

pydantic's own messages are English and sometimes echo the rejected input.
A coordinator needs Norwegian, and the input may be health data, so we say
*what was expected* from the schema and never repeat what was given.
"""

from __future__ import annotations

from typing import Any

from .text import Text, did_you_mean


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
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return Text(nb="forventet et heltall", en="expected a whole number")
    if kind in ("float_type", "float_parsing"):
        return Text(nb="forventet et tall", en="expected a number")
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
