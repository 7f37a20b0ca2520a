"""``ibp serve``: the local web service (JSON API, case store, pages)."""

from __future__ import annotations

import ipaddress
import os
import socket
import sys
import threading
import time
import webbrowser
from pathlib import Path
from typing import Any

import click

from ibp_rules.text import Lang

from .common import LANG_OPTION, RULES_OPTION, t

#: uvicorn's logging with our access log instead of its own (which writes
#: full paths and query strings; ours writes the path template only)
LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(message)s"},
                   "access": {"format": "%(asctime)s %(message)s"}},
    "handlers": {"err": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"},
                 "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["err"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        "ibp_rules.web": {"handlers": ["err"], "level": "INFO", "propagate": False},
        "ibp_rules.web.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
    },
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _token() -> str:
    from ibp_rules.web.auth import new_token
    from ibp_rules.web.config import MIN_TOKEN_LENGTH, TOKEN_ENV

    given = os.environ.get(TOKEN_ENV)
    if given is None:
        return new_token()
    if len(given) < MIN_TOKEN_LENGTH:
        raise click.UsageError(t(f"{TOKEN_ENV} må ha minst {MIN_TOKEN_LENGTH} tegn", f"{TOKEN_ENV} must be at least {MIN_TOKEN_LENGTH} characters"))
    return given


def _open_when_ready(server: Any, url: str) -> None:
    """Open the browser once the server listens (with workers: after a moment)."""
    for _ in range(100):
        if getattr(server, "started", False):
            break
        time.sleep(0.05)
    webbrowser.open(url)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback unless --allow-remote).")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0 = any free port).")
@click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the case store (default: ~/.local/share/ibp-rules); created private (0700).")
@RULES_OPTION
@click.option("--open", "open_browser", is_flag=True, help="Open the browser, signed in.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option("--rate-limit", type=click.FloatRange(0), default=50.0, show_default=True,
              help="Requests per second per client address (0 = no limit).")
@click.option("--allow-remote", is_flag=True,
              help="Allow an address other than loopback. Only behind the municipality's own login and TLS.")
@click.option("--openapi", "print_openapi", is_flag=True, help="Print the OpenAPI document and exit.")
@LANG_OPTION
def serve(host: str, port: int, data: Path | None, rules: tuple[Path, ...], open_browser: bool, workers: int, rate_limit: float,
          allow_remote: bool, print_openapi: bool, lang: Lang) -> None:
    """Run the web service: a JSON API, a case store and the pages.

    Binds 127.0.0.1 and prints a sign-in link with a one-time access token
    (a new one at every start; set IBP_TOKEN for a fixed one). API clients
    send it as "Authorization: Bearer TOKEN". Stop with Ctrl+C.

    \b
    Examples:
        ibp serve --open
        ibp serve --port 9000 --data ~/ibp-saker
        ibp serve --openapi > openapi.json
        kill -HUP PID                      # reload the rule folders
    """
    from ibp_rules.web.config import CONFIG_ENV, Limits, ServeConfig, default_data_folder

    if print_openapi:
        import json

        from ibp_rules.web.app import routes_only

        click.echo(json.dumps(routes_only().openapi(), ensure_ascii=False, indent=2))
        return
    if not is_loopback(host):
        if not allow_remote:
            raise click.UsageError(t(
                f"{host} er ikke en lokal adresse: tjenesten ville bli nådd fra nettverket. Bruk --allow-remote bare når "
                "kommunens egen innlogging og TLS står foran.",
                f"{host} is not a loopback address: the service would be reachable from the network. Use --allow-remote only "
                "with the municipality's own login and TLS in front."))
        click.echo(t(f"ADVARSEL: tjenesten lytter på {host}. Kommunens egen innlogging og TLS må stå foran; "
                     "tilgangsnøkkelen alene beskytter ikke helseopplysninger på et nettverk.",
                     f"WARNING: the service listens on {host}. The municipality's own login and TLS must sit in front; "
                     "the access token alone does not protect health data on a network."), err=True)

    import uvicorn

    from ibp_rules.web.app import create_app
    from ibp_rules.web.services import Services
    from ibp_rules.web.store import StoreError
    from ibp_rules.words import number

    config = ServeConfig(data=str(data or default_data_folder()), token=_token(), rules=tuple(str(r) for r in rules),
                         limits=Limits(rate=rate_limit), workers=workers,
                         debug=bool(click.get_current_context().find_root().params.get("debug")))
    started = time.perf_counter()
    try:
        if workers == 1:
            app: Any = create_app(config)
            db = app.state.services.store.path
        else:
            checked = Services(config)  # the rules load and the store opens, before any worker starts
            db = checked.store.path
            checked.close()
            os.environ[CONFIG_ENV] = config.to_env()
            app = "ibp_rules.web.app:create_app"
    except StoreError as exc:
        raise click.BadParameter(str(exc), param_hint="--data") from None
    uv = uvicorn.Config(app, host=host, port=port, factory=workers > 1, workers=workers, log_config=LOG_CONFIG, access_log=False,
                        server_header=False, timeout_graceful_shutdown=5, lifespan="on")
    sock = uv.bind_socket()
    # uvicorn makes this socket with protocol 0, so asyncio does not set
    # TCP_NODELAY on the connections it accepts, and a response's body then
    # waits ~40 ms for the ACK of its headers (Nagle + delayed ACK) on every
    # keep-alive request. Accepted sockets inherit the option from this one.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    bound = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{bound}"
    login = f"{base}/login?token={config.token}"
    ready = number(time.perf_counter() - started, lang, 1)
    click.echo(t(f"ibp-rules kjører på {base}/  (klar på {ready} s)", f"ibp-rules is running on {base}/  (ready in {ready} s)"))
    click.echo(t("  Logg inn (lenke med tilgangsnøkkel):", "  Sign in (link with the access token):"))
    click.echo(f"    {login}")
    click.echo(f"  API: {base}/api/v1  (Authorization: Bearer {config.token})")
    click.echo(t(f"  Dokumentasjon: {base}/docs", f"  Documentation: {base}/docs"))
    click.echo(t(f"  Saker lagres i {db}", f"  Cases are stored in {db}"))
    click.echo(t("  Stopp med Ctrl+C.", "  Stop with Ctrl+C."))
    sys.stdout.flush()
    server = uvicorn.Server(uv)
    if open_browser:
        threading.Thread(target=_open_when_ready, args=(server, login), daemon=True).start()
    if workers == 1:
        server.run(sockets=[sock])
    else:
        import inspect

        from uvicorn.supervisors import Multiprocess

        given: dict[str, Any] = {"sockets": [sock]}
        if "target" in inspect.signature(Multiprocess.__init__).parameters:  # uvicorn before 0.50 took the target
            given["target"] = server.run
        Multiprocess(uv, **given).run()


COMMANDS = [serve]
