"""Case references: chosen by the coordinator, never identifying the person.

A case is found again by a short reference the coordinator makes up
("sak-17", "2025-03-bodø"), in the case store and in ``ibp batch`` records
(``{"ref": "sak-17", "assessment": {…}}``, returned with the result). It
appears in URLs, in the export's file names and in batch output, so it must
not be a national id number (fødselsnummer or D-number:
eleven digits, often written as six and five). Anything that looks like one
is refused, whatever its checksum: a false alarm costs a retype, a real one
would put a person's identity into every URL and log line that names it.
"""

from __future__ import annotations

import re

from ibp_rules.errors import InputError, Problem

#: letters (æøå too), digits, then also '.', '_' and '-'; at most 64 characters
REF_PATTERN = re.compile(r"^[A-Za-z0-9ÆØÅæøå][A-Za-z0-9ÆØÅæøå._-]{0,63}$")
#: eleven digits in a row, or six and five with one separator between them
_NATIONAL_ID = re.compile(r"(?<!\d)\d{6}[ ._-]?\d{5}(?!\d)|\d{11}")


class CaseReferenceError(InputError):
    """A case reference that cannot be used."""

    summary = {"en": "invalid case reference", "nb": "ugyldig saksreferanse"}


def looks_like_national_id(text: str) -> bool:
    """True when ``text`` holds something shaped like a fødselsnummer."""
    return _NATIONAL_ID.search(text) is not None


def reference_problem(ref: object, path: str = "ref") -> Problem | None:
    """Why ``ref`` cannot be a case reference, or None. Never quotes it."""
    if not isinstance(ref, str) or not REF_PATTERN.match(ref):
        return Problem(None, None, path, "expected 1-64 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
                       message_nb="forventet 1–64 tegn: bokstaver, sifre, '.', '_' eller '-', som begynner med bokstav eller siffer")
    if looks_like_national_id(ref):
        return Problem(None, None, path, "looks like a national id number (11 digits); choose a reference that does not identify the person",
                       message_nb="ser ut som et fødselsnummer (11 sifre); velg en referanse som ikke identifiserer personen")
    return None


def check_reference(ref: object, path: str = "ref") -> str:
    """``ref`` if it can be used, else :class:`CaseReferenceError`."""
    problem = reference_problem(ref, path)
    if problem is not None:
        raise CaseReferenceError(problem)
    assert isinstance(ref, str)
    return ref
