"""ibp-rules: rule-based decision support for Individuell boligplan (IBP).

An assessment of a person's situation across the four welfare pillars
(bolig, økonomi, helse, arbeid/utdanning) goes in; a suggested, explained and
staged strategy comes out. The tool suggests; people decide.

    >>> from ibp_rules import Engine, Assessment
    >>> engine = Engine.default()
    >>> strategy = engine.assess(Assessment(helse={"arbeidsevne": "nedsatt_varig"}))
"""

from __future__ import annotations

__version__ = "0.2.0"

from .assessment import Assessment  # noqa: E402
from .engine import Engine, parse_assessment, read_assessment  # noqa: E402
from .errors import (  # noqa: E402
    AssessmentError,
    EngineError,
    IbpError,
    InputError,
    OutputError,
    Problem,
    RulesetError,
    UnknownIdError,
)
from .schemas import assessment_json_schema, strategy_json_schema  # noqa: E402
from .strategy import Strategy  # noqa: E402

__all__ = [
    "Assessment",
    "AssessmentError",
    "Engine",
    "EngineError",
    "IbpError",
    "InputError",
    "OutputError",
    "Problem",
    "RulesetError",
    "Strategy",
    "UnknownIdError",
    "__version__",
    "assessment_json_schema",
    "parse_assessment",
    "read_assessment",
    "strategy_json_schema",
]
