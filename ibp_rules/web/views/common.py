"""What every page view uses: the services of the running app."""

from __future__ import annotations

from starlette.requests import Request

from ..services import Services


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found
