"""Who gets in, what the browser is told, what is refused, and what never reaches a log."""

from __future__ import annotations

import json
import logging
import re
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_privacy import INVALID_WITH_SECRETS, SENTINEL, VALID_WITH_SECRETS

from conftest import WEB_TOKEN
from ibp_rules.web.app import create_app
from ibp_rules.web.auth import SESSION_SECONDS, Tokens

BEARER = {"Authorization": f"Bearer {WEB_TOKEN}"}


@pytest.fixture()
def anon(web_config: Any) -> Iterator[TestClient]:
    """A client with no credentials."""
    with TestClient(create_app(web_config)) as client:
        yield client


def client_with(web_config: Any, **limits: Any) -> TestClient:
    config = replace(web_config, limits=replace(web_config.limits, **limits))
    return TestClient(create_app(config))


def sign_in(client: TestClient) -> str:
    """Sign in through /login as a browser would; the CSRF token from the page."""
    r = client.get(f"/login?token={WEB_TOKEN}&next=/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    cookie = r.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="):
        assert attribute in cookie
    page = client.get("/", headers={"accept": "text/html"})
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match, "every page with a form carries the CSRF token"
    return match.group(1)


# -- the token ---------------------------------------------------------------------------------

def test_everything_but_health_needs_the_token(anon: TestClient) -> None:
    from ibp_rules.web.app import routes_only

    doc = routes_only().openapi()
    routes = [(method.upper(), path) for path, ops in doc["paths"].items() for method in ops]
    routes += [("GET", "/"), ("GET", "/docs"), ("GET", "/openapi.json"), ("POST", "/logout")]
    checked = 0
    for method, template in routes:
        path = template.replace("{ref}", "sak-1").replace("{number}", "1").replace("{kind}", "assessment")
        r = anon.request(method, path, headers={"accept": "application/json"}, follow_redirects=False)
        if path == "/health":
            assert r.status_code == 200
        else:
            assert r.status_code == 401, (method, path)
            assert r.json()["error"]["kind"] == "unauthorized"
            assert r.headers["www-authenticate"].startswith("Bearer")
            checked += 1
    assert checked > 20
    wrong = anon.get("/api/v1/version", headers={"Authorization": "Bearer " + "x" * len(WEB_TOKEN)})
    assert wrong.status_code == 401
    assert anon.get("/api/v1/version", headers={"Authorization": f"Basic {WEB_TOKEN}"}).status_code == 401
    assert anon.get("/api/v1/version", headers=BEARER).status_code == 200


def test_a_page_without_a_session_goes_to_sign_in(anon: TestClient) -> None:
    r = anon.get("/docs?lang=en", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fdocs%3Flang%3Den"
    page = anon.get("/login", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'type="password"' in page.text


def test_sign_in_with_a_wrong_token(anon: TestClient) -> None:
    r = anon.get("/login?token=nope", follow_redirects=False)
    assert r.status_code == 401 and "set-cookie" not in r.headers
    r = anon.post("/login", content=b"token=nope&next=/", headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 401


def test_sign_in_form_and_a_session(anon: TestClient) -> None:
    r = anon.post("/login", content=f"token={WEB_TOKEN}&next=//evil.example/".encode(),
                  headers={"content-type": "application/x-www-form-urlencoded"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"  # never redirected to another site
    assert anon.get("/api/v1/version").status_code == 200  # the cookie alone signs in for reading


def test_csrf_on_state_changing_requests_with_a_session(anon: TestClient) -> None:
    csrf = sign_in(anon)
    body = {"ref": "sak-1"}
    assert anon.post("/api/v1/cases", json=body).status_code == 403  # no CSRF token
    assert anon.post("/api/v1/cases", json=body, headers={"x-csrf-token": "0" * 64}).status_code == 403
    r = anon.post("/api/v1/cases", json=body, headers={"x-csrf-token": csrf, "origin": "http://evil.example"})
    assert r.status_code == 403 and r.json()["error"]["kind"] == "forbidden"
    # what a browser says of itself wins: a form on another site, even with "Origin: null" (no-referrer pages send that)
    for site in ("cross-site", "same-site"):
        r = anon.post("/api/v1/cases", json=body, headers={"x-csrf-token": csrf, "origin": "null", "sec-fetch-site": site})
        assert r.status_code == 403, site
    assert anon.post("/api/v1/cases", json=body, headers={"x-csrf-token": csrf, "origin": "null", "sec-fetch-site": "same-origin"}).status_code == 201
    assert anon.delete(f"/api/v1/cases/sak-1?csrf_token={csrf}").status_code == 200
    assert anon.post("/api/v1/cases", json=body, headers={"x-csrf-token": csrf, "origin": "http://testserver"}).status_code == 201
    assert anon.delete("/api/v1/cases/sak-1").status_code == 403
    assert anon.delete(f"/api/v1/cases/sak-1?csrf_token={csrf}").status_code == 200
    # a plain form post carries it as a field (the sign-out form on every page)
    r = anon.post("/logout", content=f"csrf_token={csrf}".encode(), headers={"content-type": "application/x-www-form-urlencoded"},
                  follow_redirects=False)
    assert r.status_code == 303 and "Max-Age=0" in r.headers["set-cookie"]


def test_sessions_are_signed_and_expire() -> None:
    tokens = Tokens(WEB_TOKEN)
    cookie = tokens.new_session(now=1000.0)
    assert tokens.check_session(cookie, now=1001.0)
    assert tokens.check_session(cookie, now=1000.0 + SESSION_SECONDS + 1) is None
    sid, issued, sig = cookie.split(".")
    assert tokens.check_session(f"{sid}.{int(issued) + 99999}.{sig}", now=1001.0) is None  # the time cannot be moved
    assert Tokens("another-token-" + "z" * 40).check_session(cookie, now=1001.0) is None  # a new token ends every session
    assert not tokens.check_csrf(sid, tokens.csrf_for("other"))


def test_failed_sign_ins_are_limited(web_config: Any) -> None:
    with client_with(web_config, auth_failures=3) as client:
        for _ in range(3):
            assert client.get("/api/v1/version", headers={"Authorization": "Bearer wrong"}).status_code == 401
        r = client.get("/api/v1/version", headers=BEARER)
        assert r.status_code == 429 and r.headers["retry-after"]  # locked out for a while, even with the right token


# -- headers --------------------------------------------------------------------------------------

def test_security_and_version_headers_on_every_kind_of_answer(web_config: Any, engine: Any) -> None:
    with client_with(web_config, max_body=1000) as client:
        answers = {
            "ok": client.get("/api/v1/version", headers=BEARER),
            "page": client.get(f"/login?token={WEB_TOKEN}"),
            "unauthorized": client.get("/api/v1/version"),
            "not found": client.get("/api/v1/cases/nobody", headers=BEARER),
            "input": client.post("/api/v1/assess", json={"x": 1}, headers=BEARER),
            "too large": client.post("/api/v1/assess", content=b"{" * 2000, headers=BEARER),
            "health": client.get("/health"),
        }
        static = client.get("/static/ibp.css")
    for what, r in answers.items():
        csp = r.headers["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp, what
        assert "frame-ancestors 'none'" in csp, what
        assert r.headers["x-frame-options"] == "DENY", what
        assert r.headers["referrer-policy"] == "no-referrer", what
        assert r.headers["x-content-type-options"] == "nosniff", what
        assert r.headers["cache-control"] == "no-store", what
        assert r.headers["x-ibp-ruleset-sha256"] == engine.ruleset.sha256, what
        assert r.headers["x-ibp-engine-version"], what
    assert static.headers.get("cache-control") != "no-store" and static.headers["x-frame-options"] == "DENY"


# -- limits ---------------------------------------------------------------------------------------

def test_body_over_the_limit_is_413(web_config: Any) -> None:
    with client_with(web_config, max_body=1000, max_batch=3000) as client:
        r = client.post("/api/v1/assess", content=b" " * 1001, headers=BEARER)
        assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"

        def chunks() -> Iterator[bytes]:  # no Content-Length: stopped while it is read
            for _ in range(20):
                yield b" " * 100

        r = client.post("/api/v1/assess", content=chunks(), headers=BEARER)
        assert r.status_code == 413 and r.json()["error"]["kind"] == "too_large"
        assert client.post("/api/v1/batch", content=b"{}\n" * 900, headers=BEARER).status_code == 200  # batch has its own limit
        assert client.post("/api/v1/batch", content=b"{}\n" * 1001, headers=BEARER).status_code == 413

        def batch_chunks() -> Iterator[bytes]:
            for _ in range(20):
                yield b"{}\n" * 60

        r = client.post("/api/v1/batch", content=batch_chunks(), headers=BEARER)
        lines = [json.loads(x) for x in r.text.splitlines()]
        assert lines[-1]["error"]["kind"] == "too_large" and all("strategy" in x for x in lines[:-1])


def test_rate_limit(web_config: Any) -> None:
    with client_with(web_config, rate=1.0, burst=3) as client:
        codes = [client.get("/api/v1/version", headers=BEARER).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[-1] == 429
        r = client.get("/api/v1/version", headers=BEARER)
        assert r.headers["retry-after"] and r.json()["error"]["kind"] == "rate_limited"
        assert client.get("/health").status_code == 200  # health checks are never limited


# -- internal errors ---------------------------------------------------------------------------------

def test_internal_error_is_json_without_traceback_or_input(api: TestClient, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    from ibp_rules.engine import Engine

    def broken(self: Engine, assessment: Any) -> Any:
        raise RuntimeError(f"boom with {SENTINEL}")

    monkeypatch.setattr(Engine, "assess", broken)
    caplog.set_level(logging.DEBUG)
    r = api.post("/api/v1/assess", json=VALID_WITH_SECRETS)
    assert r.status_code == 500
    assert r.json()["error"] == {"kind": "internal", "status": 500, "message": "intern feil (RuntimeError); ingenting ble lagret av denne forespørselen",
                                 "problems": []}
    assert SENTINEL not in r.text and "Traceback" not in r.text
    server_logs = " ".join(rec.getMessage() for rec in caplog.records if rec.name.startswith("ibp_rules"))
    assert SENTINEL not in server_logs and "Traceback" not in caplog.text
    assert "internal error: RuntimeError in POST /api/v1/assess" in caplog.text
    assert r.headers["x-ibp-ruleset-sha256"]


# -- privacy: nothing typed reaches a log, an error or a file --------------------------------------------

def test_the_service_leaks_nothing(api: TestClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
                                   tmp_path: Path) -> None:
    caplog.set_level(logging.DEBUG)
    tmp = tmp_path / "tmpdir"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", None)
    answers = []
    answers.append(api.post("/api/v1/assess", json=VALID_WITH_SECRETS))
    for data in INVALID_WITH_SECRETS:
        for lang in ("nb", "en"):
            answers.append(api.post(f"/api/v1/assess?lang={lang}", json=data))
            answers.append(api.post(f"/api/v1/explain?lang={lang}", json={"assessment": data, "measure": "startlan"}))
            answers.append(api.post(f"/api/v1/cases?lang={lang}", json={"ref": "sak-x", "assessment": data}))
    answers.append(api.post("/api/v1/batch", content=("\n".join(json.dumps(d) for d in INVALID_WITH_SECRETS) + "\n").encode()))
    answers.append(api.post("/api/v1/cases", json={"ref": f"sak-{SENTINEL}", "assessment": VALID_WITH_SECRETS}))
    answers.append(api.get(f"/api/v1/cases/sak-{SENTINEL}/history?from=1&to=1"))
    answers.append(api.post(f"/api/v1/cases/sak-{SENTINEL}/notes", json={"text": SENTINEL}))
    answers.append(api.put(f"/api/v1/cases/sak-{SENTINEL}/drafts/assessment", json={"based_on": 1, "data": {"x": SENTINEL}}))
    answers.append(api.get(f"/api/v1/cases/{SENTINEL}-missing"))
    answers.append(api.post(f"/api/v1/cases/sak-{SENTINEL}/versions?q={SENTINEL}", json={"based_on": 0, "assessment": VALID_WITH_SECRETS}))
    for r in answers:
        assert r.status_code < 500, r.text
        if r.status_code >= 400:
            assert SENTINEL not in r.text and SENTINEL.lower() not in r.text, f"an error echoed input: {r.text[:200]}"
    access = [rec.getMessage() for rec in caplog.records if rec.name == "ibp_rules.web.access"]
    assert len(access) == len(answers)
    for line in access:
        assert re.fullmatch(r"(GET|POST|PUT|DELETE) /[^ ?]* \d{3} \d+\.\dms", line), line
    assert "POST /api/v1/cases/{ref}/notes 201" in " ".join(access)
    server_logs = " ".join(rec.getMessage() for rec in caplog.records if rec.name.startswith(("ibp_rules", "uvicorn")))
    assert SENTINEL not in server_logs and SENTINEL.lower() not in server_logs
    assert list(tmp.iterdir()) == []
