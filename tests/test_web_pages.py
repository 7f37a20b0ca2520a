"""The coordinator's and trainer's pages in-process: what the browser tests cannot afford to
check on every worked case, and the paths a browser reaches only by bad luck (two tabs, a
stale draft, a forged form).

The whole journey in a real browser is in ``test_web_browser.py``; here a signed-in
TestClient posts the forms as a browser without script would.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from test_web_browser import RAW

from conftest import EXAMPLE_FILES, WEB_TOKEN
from ibp_rules import Engine, read_assessment
from ibp_rules.condition_words import held_words
from ibp_rules.web.app import create_app

PAGE = {"accept": "text/html"}


@pytest.fixture()
def browser_client(web_config: Any) -> Iterator[tuple[TestClient, str]]:
    """Signed in through the printed link, as a browser; with the page's CSRF token."""
    with TestClient(create_app(web_config)) as client:
        client.get(f"/login?token={WEB_TOKEN}&next=/saker")
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/saker/ny", headers=PAGE).text)
        assert token
        yield client, token.group(1)


def main_text(page: str) -> str:
    """The visible words of a page's <main> (tags out, entities decoded)."""
    body = page[page.index("<main"):page.index("</main>")]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)))


def post(client: TestClient, url: str, csrf: str, **fields: Any) -> Any:
    data = {"csrf_token": csrf, **fields}
    return client.post(url, data=data, headers=PAGE, follow_redirects=False)


def test_two_tabs_never_overwrite_each_other(browser_client: tuple[TestClient, str]) -> None:
    client, csrf = browser_client
    assert post(client, "/saker/ny", csrf, ref="to-faner").status_code == 303
    r = post(client, "/saker/to-faner/kartlegging", csrf, based_on="0", **{"okonomi.gjeld": "true"})
    assert r.status_code == 303 and r.headers["location"].endswith("/strategi?lagret=1")
    # a second tab, opened before the first saved, saves too: refused, nothing overwritten, its answers kept
    r = post(client, "/saker/to-faner/kartlegging", csrf, based_on="0", **{"okonomi.gjeld": "false"})
    assert r.status_code == 409
    text = main_text(r.text)
    assert "Ikke lagret" in text and "Gjeld: ja → nei" in text, text
    form = client.get("/saker/to-faner/kartlegging", headers=PAGE).text
    assert "Utkastet ble startet fra versjon 0, men saken er nå på versjon 1" in main_text(form)
    assert 'name="okonomi.gjeld" value="false" checked' in form
    # carry the draft over to version 1, look again, save: version 2
    assert post(client, "/saker/to-faner/kartlegging/flytt", csrf).status_code == 303
    form = client.get("/saker/to-faner/kartlegging", headers=PAGE).text
    assert 'name="based_on" value="1"' in form
    r = post(client, "/saker/to-faner/kartlegging", csrf, based_on="1", **{"okonomi.gjeld": "false"})
    assert r.status_code == 303
    assert "versjon 2" in main_text(client.get("/saker/to-faner/forlop", headers=PAGE).text)


def test_the_draft_answer_tells_the_script_what_applies_and_what_is_wrong(browser_client: tuple[TestClient, str]) -> None:
    client, csrf = browser_client
    post(client, "/saker/ny", csrf, ref="utkast")
    ajax = {**PAGE, "x-requested-with": "ibp-page"}
    r = client.post("/saker/utkast/kartlegging/utkast", data={"csrf_token": csrf, "based_on": "0"}, headers=ajax)
    assert r.status_code == 200 and "arbeid_utdanning.stillingsprosent" in r.json()["hidden"]
    fields = {"csrf_token": csrf, "based_on": "0", "arbeid_utdanning.status": "i_arbeid", "arbeid_utdanning.stillingsprosent": "abc"}
    answer = client.post("/saker/utkast/kartlegging/utkast", data=fields, headers=ajax).json()
    assert "arbeid_utdanning.stillingsprosent" not in answer["hidden"]
    assert answer["problems"]["arbeid_utdanning.stillingsprosent"]  # the problem, at its field
    # kept: a new tab opens the draft with what was typed
    form = client.get("/saker/utkast/kartlegging", headers=PAGE).text
    assert "Du fortsetter fra utkastet" in form and 'value="abc"' in form
    # "Forkast utkastet": the draft is gone, the form starts again from the stored version
    assert post(client, "/saker/utkast/kartlegging/forkast", csrf).status_code == 303
    form = client.get("/saker/utkast/kartlegging", headers=PAGE).text
    assert "Du fortsetter fra utkastet" not in form and 'value="abc"' not in form
    # the form without its token is refused (the draft too)
    r = client.post("/saker/utkast/kartlegging/utkast", data={"based_on": "0"}, headers=ajax)
    assert r.status_code == 403


def test_why_and_why_not_are_words_for_every_worked_case(browser_client: tuple[TestClient, str]) -> None:
    """Every suggested measure's why on every worked case, and why-not for every catalogue measure
    (a third of them per case, in turn, so that each is asked on four or five cases): facts and
    clauses in words, never a field path, an operator or a rule's condition."""
    client, csrf = browser_client
    engine = Engine.default()
    catalogue = sorted(engine.ruleset.measures)
    checked = 0
    asked: set[str] = set()
    for n, path in enumerate(EXAMPLE_FILES):
        ref = path.stem
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        r = client.post("/api/v1/cases", json={"ref": ref, "assessment": data}, headers={"x-csrf-token": csrf})
        assert r.status_code == 201, r.text
        strategy = engine.assess(read_assessment(path))
        by_id = {m.id: m for m in strategy.measures}
        suggested = set(by_id)
        for mid in [m for i, m in enumerate(catalogue) if m in suggested or i % 3 == n % 3]:
            asked.add(mid)
            page = client.get(f"/saker/{ref}/hvorfor/{mid}", headers=PAGE)
            assert page.status_code == 200, (ref, mid)
            text = main_text(page.text)
            assert ("hvorfor det er foreslått" in text) == (mid in suggested), (ref, mid)
            # the facts a suggestion rests on, as the library words them for ``ibp explain`` (one wording for both)
            for w in by_id[mid].why if mid in suggested else ():
                for f in w.facts:
                    assert held_words(engine.ruleset, w.rule, f.test, f.value, "nb") in text, (ref, mid, f.test)
            found = RAW.search(text)
            assert found is None, (ref, mid, found.group(0) if found else None)
            assert "[" not in text, (ref, mid)  # no "[test]" brackets
            checked += 1
    assert asked == set(catalogue) and checked > 200


def test_training_feedback_explains_each_miss_and_extra(browser_client: tuple[TestClient, str]) -> None:
    client, _ = browser_client
    page = client.get("/opplaering/uforetrygd-til-startlan?svar=1&tiltak=startlan&tiltak=bolig_forst&partner=nav_forvaltning", headers=PAGE)
    assert page.status_code == 200
    text = main_text(page.text)
    assert "Startlån" in text and "Bolig først" in text and "Uføretrygd" in text
    assert RAW.search(text) is None
    assert client.get("/opplaering/finnes-ikke", headers=PAGE).status_code == 404


def test_the_rules_are_searchable_and_read_only(browser_client: tuple[TestClient, str]) -> None:
    client, csrf = browser_client
    everything = main_text(client.get("/regler", headers=PAGE).text)
    found = main_text(client.get("/regler?q=gjeldsordning", headers=PAGE).text)
    assert len(found) < len(everything) and "Gjeldsordning" in found
    assert RAW.search(everything) is None
    assert client.get("/regler/finnes-ikke", headers=PAGE).status_code == 404
    assert client.post("/regler", data={"csrf_token": csrf}, headers=PAGE).status_code == 405


def test_case_pages_are_not_cached_and_speak_english_when_asked(browser_client: tuple[TestClient, str]) -> None:
    client, csrf = browser_client
    post(client, "/saker/ny", csrf, ref="sprak")
    page = client.get("/saker/sprak/kartlegging?lang=en", headers=PAGE)
    assert page.headers["cache-control"] == "no-store" and '<html lang="en">' in page.text
    text = main_text(page.text)
    assert "Unknown" in text and "Vet ikke" not in text
    missing = client.get("/saker/finnes-ikke/strategi", headers=PAGE)
    assert missing.status_code == 404 and "text/html" in missing.headers["content-type"]
    # a reference that looks like a national id number is refused at the form, in words
    r = post(client, "/saker/ny", csrf, ref="01017012345")
    assert r.status_code == 422 and "11" in main_text(r.text)


def test_a_former_measure_id_is_ticked_as_its_replacement(browser_client: tuple[TestClient, str]) -> None:
    """A case stored with a measure id the catalogue has since folded into another
    (hjelpemidler → tilpasning_bolig) shows it ticked on the new box, so saving the
    form keeps what was recorded instead of dropping it."""
    client, csrf = browser_client
    old = {"schema_version": 2, "bolig": {"situasjon": "eid", "uegnet": True}, "tiltak_mottatt": ["hjelpemidler"]}
    created = client.post("/api/v1/cases", json={"ref": "gammel-id", "assessment": old},
                          headers={"Authorization": f"Bearer {WEB_TOKEN}"})
    assert created.status_code == 201
    form = client.get("/saker/gammel-id/kartlegging", headers=PAGE).text
    assert 'name="tiltak_mottatt" value="tilpasning_bolig" checked' in form
    assert 'value="hjelpemidler"' not in form
