"""The typed exceptions ibp-rules raises.

Callers (the CLI, case-management tools) must be able to tell *bad input*
(an assessment or a rule file that needs fixing by a person) from an
*internal failure* without parsing messages. Every problem found in an input
is kept as a :class:`Problem` with its file, line and field path, so one run
reports all of them at once instead of one per attempt.

Messages never quote assessment *values*: they name the field and what was
expected, so an error can be logged or shown without leaking health or
economy data (see the README's data-handling section).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an input file, located as precisely as we can."""

    file: str | None
    line: int | None
    path: str
    message: str
    rule_id: str | None = None
    #: The same message in bokmål, where one exists (assessment errors).
    message_nb: str | None = None

    def __str__(self) -> str:
        return self.render("en")

    def render(self, lang: str = "en") -> str:
        """The problem as one line, in ``lang`` where a translation exists."""
        where = self.file or "<input>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.rule_id:
            parts.append(f"{'regel' if lang == 'nb' else 'rule'} '{self.rule_id}'")
        if self.path:
            parts.append(self.path)
        return f"{': '.join(parts)}: {self.message_in(lang)}"

    def message_in(self, lang: str = "en") -> str:
        """The message alone (without file, line and path), in ``lang``."""
        if lang == "nb":
            from .messages_nb import to_nb

            return self.message_nb or to_nb(self.message)
        return self.message


class IbpError(Exception):
    """Base class of every error ibp-rules raises on purpose."""


class InputError(IbpError):
    """Bad input a person can fix; carries every problem found."""

    kind = "input"

    def __init__(self, problems: list[Problem] | Problem) -> None:
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__(self.render())

    summary = {"en": "invalid input", "nb": "ugyldige inndata"}

    def render(self, lang: str = "en") -> str:
        """All problems, one per line, under a one-line summary."""
        n = len(self.problems)
        if lang == "nb":
            head = f"{self.summary['nb']} ({n} feil):"
        else:
            head = f"{self.summary['en']} ({n} problem{'s' if n != 1 else ''}):"
        lines = [head]
        lines += [f"  {p.render(lang)}" for p in self.problems]
        return "\n".join(lines)


class AssessmentError(InputError):
    """An assessment that does not fit the assessment model."""

    summary = {"en": "invalid assessment", "nb": "ugyldig kartlegging"}


class RulesetError(InputError):
    """A rule or catalogue file that cannot be loaded; nothing is run."""

    summary = {"en": "invalid ruleset", "nb": "ugyldig regelsett"}


class OutputError(InputError):
    """A file that cannot be written where the user asked (missing folder,
    no permission, full disk): the user fixes the path, so it is bad input."""

    summary = {"en": "cannot write the output", "nb": "kan ikke skrive resultatet"}


class UnknownIdError(IbpError, KeyError):
    """An id (measure, partner, pillar, case) that the loaded ruleset lacks."""

    #: the kinds in bokmål, for :meth:`render`
    KINDS_NB = {"measure": "tiltak", "partner": "samarbeidspartner", "case": "eksempelsak", "rule": "regel",
                "pillar": "pilar", "status": "status"}

    def __init__(self, kind: str, given: str, suggestions: list[str]) -> None:
        self.kind, self.given, self.suggestions = kind, given, suggestions
        super().__init__(self.render("en"))

    def render(self, lang: str = "en") -> str:
        """The message in ``lang``, with the did-you-mean."""
        if lang == "nb":
            hint = f" Mente du: {', '.join(self.suggestions)}?" if self.suggestions else ""
            return f"ukjent {self.KINDS_NB.get(self.kind, self.kind)} '{self.given}'.{hint}"
        hint = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"unknown {self.kind} '{self.given}'.{hint}"

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0])


class EngineError(IbpError):
    """The rule engine failed while running a valid input (an internal error)."""
