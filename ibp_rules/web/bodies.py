"""Request bodies read the way the CLI reads files: located, limited, never echoed.

An assessment body goes through the same reader as ``ibp assess`` (JSON, or
YAML with ``Content-Type: application/yaml``; the same depth, size and tag
limits), so the API reports the same problems as the CLI, with the line in
the body and the field path. An envelope (``{"assessment": …, "measure":
…}``) is validated as a whole, so its problems carry full paths such as
``assessment.bolig.situasjon``.
"""

from __future__ import annotations

import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from ibp_rules.assessment import Assessment, assessment_from_located
from ibp_rules.errors import InputError
from ibp_rules.validation_messages import located_problems
from ibp_rules.yaml_source import Located, SourceError, read_bytes

BODY_NAME = "request"
YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")

M = TypeVar("M", bound=BaseModel)


class RequestBodyError(InputError):
    """A request body that does not fit what the endpoint takes."""

    summary = {"en": "invalid request", "nb": "ugyldig forespørsel"}


def _as_json(request: Request) -> bool | None:
    """True for JSON, False for YAML, None to sniff (no or another content type)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json" or kind.endswith("+json"):
        return True
    if kind in YAML_TYPES:
        return False
    return None


async def located_body(request: Request, error: type[InputError] = RequestBodyError) -> Located:
    """The body as located plain data (``error`` for unreadable bodies)."""
    raw = await request.body()
    try:
        return read_bytes(raw, BODY_NAME, as_json=_as_json(request))
    except SourceError as exc:
        raise error(exc.problem) from None


async def assessment_body(request: Request) -> Assessment:
    """An assessment, checked exactly as ``ibp assess`` checks a file."""
    from ibp_rules.errors import AssessmentError

    return assessment_from_located(await located_body(request, AssessmentError))


def fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The field names allowed at ``loc`` inside ``model`` (for a did-you-mean)."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part) if isinstance(part, str) else None
            if field is None:
                field = next((f for f in current.model_fields.values() if f.alias == part), None)
            if field is None:
                return []
            current = field.annotation
        elif typing.get_origin(current) in (dict, list):
            current = typing.get_args(current)[-1]
        else:
            return []
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(annotation: Any) -> Any:
    """``X | None`` → ``X``; ``Annotated[X, …]`` → ``X``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = members[0] if len(members) == 1 else annotation
            if len(members) != 1:
                return annotation
        else:
            return annotation


def validate_envelope(located: Located, model: type[M]) -> M:
    """``model`` from located data, every problem with its full path and line."""
    data = located.data if located.data is not None else {}
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise RequestBodyError(located_problems(exc, located, lambda loc: fields_at(model, loc))) from None


async def envelope_body(request: Request, model: type[M]) -> M:
    return validate_envelope(await located_body(request), model)
