"""The JSON API in-process: every endpoint, its status codes and its error shape."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from conftest import EXAMPLE_FILES, EXAMPLES
from ibp_rules import Engine, read_assessment
from ibp_rules.cli.main import cli
from ibp_rules.compare import diff
from ibp_rules.explain import explain_measure, explanation_text

CASE = EXAMPLES / "uforetrygd-til-startlan.yaml"
ENGINE_HEADERS = ("x-ibp-engine-version", "x-ibp-ruleset-id", "x-ibp-ruleset-version", "x-ibp-ruleset-sha256")


def case_data(path: Path = CASE) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def assert_error(r: Any, status: int, kind: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert set(body) == {"error"}
    err: dict[str, Any] = body["error"]
    assert err["kind"] == kind and err["status"] == status and err["message"]
    assert "Traceback" not in r.text
    return err


# -- assess: byte-identical to the CLI ------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_assess_is_byte_identical_to_the_cli(api: Any, path: Path) -> None:
    cli_json = CliRunner().invoke(cli, ["assess", str(path), "--format", "json"]).stdout_bytes
    yaml_body = api.post("/api/v1/assess", content=path.read_bytes(), headers={"content-type": "application/yaml"})
    json_body = api.post("/api/v1/assess", json=case_data(path))
    assert yaml_body.status_code == json_body.status_code == 200
    assert yaml_body.content == cli_json
    assert json_body.content == cli_json


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_assess_renders_for_people_as_the_cli(api: Any, fmt: str) -> None:
    for lang in ("nb", "en"):
        cli_out = CliRunner().invoke(cli, ["assess", str(CASE), "--format", fmt, "--lang", lang]).stdout
        r = api.post(f"/api/v1/assess?format={fmt}&lang={lang}", json=case_data())
        assert r.status_code == 200 and r.text == cli_out
    assert r.headers["content-type"].startswith({"text": "text/plain", "markdown": "text/markdown", "html": "text/html"}[fmt])
    if fmt == "html":  # the printable plan styles itself inline; still no script from anywhere
        csp = r.headers["content-security-policy"]
        assert "style-src 'unsafe-inline'" in csp and "default-src 'none'" in csp and "script-src" not in csp
        assert "<script" not in r.text


def test_assess_compact_and_headers(api: Any, engine: Engine) -> None:
    r = api.post("/api/v1/assess?compact=true", json=case_data())
    assert r.status_code == 200
    assert r.content == engine.assess(read_assessment(CASE)).to_json_line(compact=True) + b"\n"
    assert r.headers["x-ibp-ruleset-sha256"] == engine.ruleset.sha256
    assert r.headers["x-ibp-ruleset-id"] == engine.ruleset.id
    assert r.headers["cache-control"] == "no-store"


def test_assess_errors_are_the_clis_problems_in_both_languages(api: Any, write: Any) -> None:
    bad = "bolig:\n  situasjon: slott\nhelse:\n  arbeidsevne: litt\n"
    f = write("bad.yaml", bad)
    for lang in ("nb", "en"):
        r = api.post(f"/api/v1/assess?lang={lang}", content=bad.encode(), headers={"content-type": "application/yaml"})
        err = assert_error(r, 422, "input")
        assert [(p["path"], p["line"]) for p in err["problems"]] == [("bolig.situasjon", 2), ("helse.arbeidsevne", 4)]
        cli_err = CliRunner().invoke(cli, ["assess", str(f), "--lang", lang]).stderr
        for p in err["problems"]:
            assert p["message"] in cli_err  # the same message the CLI prints
        assert ("ukjent verdi" in err["message"]) == (lang == "nb")
        assert "slott" not in r.text and "litt" not in r.text  # values are never echoed


def test_assess_bad_bodies(api: Any) -> None:
    assert_error(api.post("/api/v1/assess", content=b"{not json", headers={"content-type": "application/json"}), 422, "input")
    assert_error(api.post("/api/v1/assess", content=b"\xff\xfe", headers={"content-type": "application/json"}), 422, "input")
    err = assert_error(api.post("/api/v1/assess", json={"tiltak_mottatt": ["startlaan"]}), 422, "input")
    assert err["problems"][0]["path"] == "tiltak_mottatt[0]"
    err = assert_error(api.post("/api/v1/assess?lang=de", json={}), 422, "input")
    assert err["problems"][0]["path"] == "lang"
    assert api.post("/api/v1/assess", json={}).status_code == 200  # everything unknown is a valid assessment


def test_accept_language_chooses_english(api: Any) -> None:
    err = assert_error(api.post("/api/v1/assess", json={"bolig": {"situasjon": 1}}, headers={"accept-language": "en-GB,en;q=0.9"}), 422, "input")
    assert err["message"].startswith("invalid assessment")


# -- explain, what-if, diff ------------------------------------------------------------

@pytest.mark.parametrize("measure,status", [("startlan", "suggested"), ("husleierestanse", "not_suggested")])
def test_explain_matches_the_library(api: Any, engine: Engine, measure: str, status: str) -> None:
    r = api.post("/api/v1/explain?lang=en", json={"assessment": case_data(), "measure": measure})
    assert r.status_code == 200, r.text
    body = r.json()
    expl = explain_measure(engine, read_assessment(CASE), measure)
    assert body["status"] == status
    assert body["text"] == explanation_text(expl, engine, "en")
    assert body["explanation"]["measure"] == measure
    assert bool(body["explanation"]["chain"]) == (status == "suggested")


def test_explain_errors_carry_full_paths(api: Any) -> None:
    err = assert_error(api.post("/api/v1/explain", json={"assessment": case_data(), "measure": "startlaan"}), 422, "input")
    assert err["problems"][0]["path"] == "measure" and "startlan" in err["problems"][0]["message"]
    err = assert_error(api.post("/api/v1/explain", json={"assessment": {"bolig": {"situasjon": "x"}}, "measure": "startlan"}), 422, "input")
    assert err["problems"][0]["path"] == "assessment.bolig.situasjon"
    err = assert_error(api.post("/api/v1/explain", json={"assessment": {}, "measure": "startlan", "mesure": 1}), 422, "input")
    # an unknown key is not repeated (it may be content), but the did-you-mean names the known one
    assert err["problems"][0]["path"] == "" and "measure" in err["problems"][0]["message"] and "mesure" not in json.dumps(err)


def test_whatif_matches_the_cli(api: Any, engine: Engine) -> None:
    r = api.post("/api/v1/whatif?lang=en", json={"assessment": case_data(), "set": {"okonomi.inntektskilder": ["uforetrygd"]}})
    assert r.status_code == 200, r.text
    body = r.json()
    cli_out = CliRunner().invoke(cli, ["whatif", str(CASE), "--set", "okonomi.inntektskilder=[uforetrygd]", "--format", "json", "--lang", "en"])
    expected = json.loads(cli_out.stdout)
    assert body["set"] == expected.pop("set")
    assert body["diff"] == expected
    assert body["assessment"]["okonomi"]["inntektskilder"] == ["uforetrygd"]
    err = assert_error(api.post("/api/v1/whatif", json={"assessment": {}, "set": {"okonomi.inntekt": 1}}), 422, "input")
    assert err["problems"][0]["path"].startswith("set") and "okonomi.inntekt\"" not in json.dumps(err)  # the unknown path is not echoed


def test_diff_matches_the_library(api: Any, engine: Engine) -> None:
    before, after = case_data(), case_data()
    after["okonomi"]["inntektskilder"] = ["uforetrygd"]
    after["okonomi"]["inntekt_stabil"] = True
    r = api.post("/api/v1/diff", json={"before": before, "after": after})
    assert r.status_code == 200, r.text
    body = r.json()
    expected = diff(engine.assess(before), engine.assess(after)).to_data()
    assert body["diff"] == expected
    assert {f["path"] for f in body["facts"]} == {"okonomi.inntektskilder", "okonomi.inntekt_stabil"}
    assert "Endret i kartleggingen" in body["text"]
    err = assert_error(api.post("/api/v1/diff", json={"before": {}, "after": {"helse": {"x": 1}}}), 422, "input")
    assert err["problems"][0]["path"] == "after.helse"  # the unknown key itself is not repeated


# -- batch -------------------------------------------------------------------------------

def test_batch_streams_results_in_order_with_the_callers_reference(api: Any, engine: Engine) -> None:
    cases = [case_data(p) for p in EXAMPLE_FILES]
    lines = [json.dumps({"ref": f"sak-{i}", "assessment": c}) for i, c in enumerate(cases)]
    lines.insert(3, json.dumps({"bolig": {"situasjon": "slott"}}))  # a bad record: the run goes on
    lines.insert(5, "")  # blank lines are counted, not answered
    lines.insert(6, json.dumps({"ref": "01019012345", "assessment": {}}))  # a national id as reference: refused, not echoed
    lines.append(json.dumps(cases[0]))  # a plain assessment without an envelope
    r = api.post("/api/v1/batch?lang=en", content=("\n".join(lines) + "\n").encode(), headers={"content-type": "application/x-ndjson"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    out = [json.loads(line) for line in r.text.splitlines()]
    assert [o["line"] for o in out] == [n for n in range(1, len(lines) + 1) if n != 6]
    assert out[3]["error"]["problems"][0]["path"] == "bolig.situasjon" and "slott" not in r.text
    assert out[5]["error"]["problems"][0]["path"] == "ref" and "01019012345" not in r.text
    good = [o for o in out if "strategy" in o]
    assert [o.get("ref") for o in good] == [f"sak-{i}" for i in range(len(cases))] + [None]
    for o, c in zip(good, [*cases, cases[0]], strict=True):
        assert json.dumps(o["strategy"], ensure_ascii=False) == json.dumps(json.loads(engine.assess(c).to_json()), ensure_ascii=False)


def test_batch_compact_and_a_line_over_the_limit(web_config: Any) -> None:
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from conftest import WEB_TOKEN
    from ibp_rules.web.app import create_app

    config = replace(web_config, limits=replace(web_config.limits, max_line=2000))
    with TestClient(create_app(config), headers={"Authorization": f"Bearer {WEB_TOKEN}"}) as client:
        long_line = json.dumps({"mal": {"fritekst": "x" * 1500, "ressurser": ["y" * 1500]}})
        body = "\n".join([json.dumps({}), long_line, json.dumps({"ref": "a", "assessment": {}})]) + "\n"
        r = client.post("/api/v1/batch?compact=true", content=body.encode())
    out = [json.loads(line) for line in r.text.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3]
    assert "error" in out[1] and "notice" not in out[0]["strategy"] and out[2]["ref"] == "a"


# -- catalogue, schemas, version, health --------------------------------------------------

def test_catalogue_endpoints(api: Any, engine: Engine) -> None:
    rules = api.get("/api/v1/rules").json()
    assert {r["id"] for r in rules} == set(engine.ruleset.rules)
    measures = api.get("/api/v1/measures").json()
    assert {m["id"] for m in measures} == set(engine.ruleset.measures)
    partners = api.get("/api/v1/partners").json()
    assert {p["id"] for p in partners} == set(engine.ruleset.partners)
    from ibp_rules import assessment_json_schema, strategy_json_schema

    assert api.get("/api/v1/schema/assessment").json() == assessment_json_schema()
    assert api.get("/api/v1/schema/strategy").json() == strategy_json_schema()
    v = api.get("/api/v1/version").json()
    assert v["ruleset"]["sha256"] == engine.ruleset.sha256 and v["api"] == "v1" and v["store_schema_version"] == 1
    assert api.get("/health", headers={"authorization": ""}).json() == {"status": "ok"}


def test_unknown_route_and_method_are_json(api: Any) -> None:
    assert_error(api.get("/api/v1/nothing"), 404, "not_found")
    assert_error(api.get("/api/v1/assess"), 405, "method_not_allowed")


# -- OpenAPI and the docs page ----------------------------------------------------------------

def test_openapi_document_validates_and_covers_every_endpoint(api: Any) -> None:
    from openapi_spec_validator import validate

    doc = api.get("/openapi.json").json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    paths = set(doc["paths"])
    for p in ("/api/v1/assess", "/api/v1/explain", "/api/v1/whatif", "/api/v1/diff", "/api/v1/batch", "/api/v1/rules",
              "/api/v1/measures", "/api/v1/partners", "/api/v1/schema/assessment", "/api/v1/schema/strategy", "/api/v1/version",
              "/health", "/api/v1/rules/reload", "/api/v1/cases", "/api/v1/cases/{ref}", "/api/v1/cases/{ref}/versions",
              "/api/v1/cases/{ref}/decisions", "/api/v1/cases/{ref}/history", "/api/v1/cases/{ref}/export",
              "/api/v1/cases/{ref}/drafts/{kind}", "/api/v1/cases/{ref}/notes"):
        assert p in paths
    schemas = doc["components"]["schemas"]
    # the library's models, as they are: a new field in them appears here by itself
    from ibp_rules import Assessment, Strategy

    assert set(schemas["Assessment"]["properties"]) == set(Assessment.model_fields)
    assert set(schemas["Strategy"]["properties"]) == set(Strategy.model_fields)
    assess = doc["paths"]["/api/v1/assess"]["post"]
    assert assess["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Assessment"}
    assert assess["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Strategy"}
    assert assess["responses"]["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ApiError"}
    assert doc["paths"]["/health"]["get"]["security"] == []


def test_every_response_schema_is_what_the_endpoint_returns(api: Any) -> None:
    """Each answer validates against the schema the document gives for it."""
    import jsonschema

    doc = api.get("/openapi.json").json()

    def check(path: str, method: str, status: int, data: Any) -> None:
        schema = doc["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]
        jsonschema.validate(data, {**schema, "components": doc["components"]})

    check("/api/v1/assess", "post", 200, api.post("/api/v1/assess", json=case_data()).json())
    check("/api/v1/assess", "post", 422, api.post("/api/v1/assess", json={"x": 1}).json())
    check("/api/v1/explain", "post", 200, api.post("/api/v1/explain", json={"assessment": case_data(), "measure": "startlan"}).json())
    check("/api/v1/rules", "get", 200, api.get("/api/v1/rules").json())
    check("/api/v1/measures", "get", 200, api.get("/api/v1/measures").json())
    check("/api/v1/partners", "get", 200, api.get("/api/v1/partners").json())
    created = api.post("/api/v1/cases", json={"ref": "sak-1", "assessment": case_data()})
    check("/api/v1/cases", "post", 201, created.json())
    check("/api/v1/cases/{ref}/versions/{number}", "get", 200, api.get("/api/v1/cases/sak-1/versions/1").json())
    check("/api/v1/cases", "get", 200, api.get("/api/v1/cases").json())


def test_docs_page_loads_nothing_from_the_network(api: Any) -> None:
    import re

    r = api.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "/api/v1/assess" in r.text and "Assessment" in r.text
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", r.text), "the docs page must not load anything from elsewhere"
    # the pages' one script, shipped in the package; nothing inline (the CSP forbids it anyway)
    assert re.findall(r"<script[^>]*>", r.text) == ['<script src="/static/ibp.js" defer>']
    assert "<script src=\"/static/ibp.js\" defer></script>" in r.text
    for asset in ("/static/ibp.css", "/static/ibp.js"):
        shipped = api.get(asset)
        assert shipped.status_code == 200 and "http" not in shipped.text, asset


def test_openapi_can_be_printed_without_a_server() -> None:
    r = CliRunner().invoke(cli, ["serve", "--openapi"])
    assert r.exit_code == 0
    assert json.loads(r.stdout)["paths"]["/api/v1/assess"]


# -- the case store over HTTP ------------------------------------------------------------------

def test_case_lifecycle(api: Any, engine: Engine) -> None:
    first = case_data()
    r = api.post("/api/v1/cases", json={"ref": "sak-17", "assessment": first})
    assert r.status_code == 201, r.text
    assert r.json()["current_version"] == 1
    assert_error(api.post("/api/v1/cases", json={"ref": "sak-17"}), 409, "exists")

    v1 = api.get("/api/v1/cases/sak-17/versions/1").json()
    assert v1["ruleset"]["sha256"] == engine.ruleset.sha256 and v1["current"]
    strategy = api.get("/api/v1/cases/sak-17/versions/1/strategy")
    assert strategy.content == engine.assess(first).to_json().encode()  # exactly as stored, as the CLI prints it

    r = api.put("/api/v1/cases/sak-17/decisions", json={"based_on": 1, "decisions": {
        "measures": {"startlan": {"status": "valgt", "who": "Kari", "when": "juni"}}, "own": [{"title": "Besøke banken"}]}})
    assert r.status_code == 201, r.text
    assert r.json()["number"] == 2 and r.json()["kind"] == "decisions"

    second = case_data()
    second["okonomi"]["inntektskilder"] = ["uforetrygd"]
    r = api.post("/api/v1/cases/sak-17/versions", json={"based_on": 2, "assessment": second})
    assert r.status_code == 201, r.text
    v3 = r.json()
    assert v3["number"] == 3 and v3["decisions"]["measures"]["startlan"]["status"] == "valgt"  # decisions carry over

    # a save based on an older version: 409 with what changed, nothing written
    err = assert_error(api.post("/api/v1/cases/sak-17/versions", json={"based_on": 1, "assessment": first}), 409, "conflict")
    assert err["conflict"]["based_on"] == 1 and err["conflict"]["current"] == 3
    assert [v["number"] for v in err["conflict"]["since"]] == [2, 3]
    assert api.get("/api/v1/cases/sak-17").json()["current_version"] == 3

    h = api.get("/api/v1/cases/sak-17/history?from=1&to=3&lang=en").json()
    assert [f["path"] for f in h["facts"]] == ["okonomi.inntektskilder"]
    assert h["decisions"] == [{"measure": "startlan", "before": None, "after": "valgt"}]
    assert h["diff"] == diff(engine.assess(first), engine.assess(second)).to_data()
    assert h["from"] == 1 and not h["ruleset_changed"]

    r = api.post("/api/v1/cases/sak-17/notes", json={"text": "Ringte NAV."})
    assert r.status_code == 201 and r.json()["version"] == 3

    listed = api.get("/api/v1/cases").json()["cases"]
    assert [c["ref"] for c in listed] == ["sak-17"] and listed[0]["current_version"] == 3 and listed[0]["stages"] >= 1

    detail = api.get("/api/v1/cases/sak-17").json()
    assert [v["number"] for v in detail["versions"]] == [1, 2, 3] and detail["notes"][0]["text"] == "Ringte NAV."


def test_decisions_for_unknown_measures_are_refused(api: Any) -> None:
    api.post("/api/v1/cases", json={"ref": "sak-2", "assessment": case_data()})
    err = assert_error(api.put("/api/v1/cases/sak-2/decisions", json={"based_on": 1, "decisions": {"measures": {"startlaan": {"status": "valgt"}}}}),
                       422, "input")
    assert err["problems"][0]["path"] == "decisions.measures.startlaan"
    err = assert_error(api.put("/api/v1/cases/sak-2/decisions", json={"based_on": 1, "decisions": {"measures": {"startlan": {"status": "kanskje"}}}}),
                       422, "input")
    assert err["problems"][0]["path"] == "decisions.measures.startlan.status"


def test_decisions_need_an_assessment(api: Any) -> None:
    api.post("/api/v1/cases", json={"ref": "tom"})
    assert_error(api.put("/api/v1/cases/tom/decisions", json={"based_on": 0, "decisions": {}}), 409, "no_assessment")


def test_drafts_keep_what_is_typed(api: Any) -> None:
    api.post("/api/v1/cases", json={"ref": "utkast-1"})
    partial = {"bolig": {"situasjon": "privat_le"}, "helse": {}}  # half typed: not checked until saved
    r = api.put("/api/v1/cases/utkast-1/drafts/assessment", json={"based_on": 0, "data": partial})
    assert r.status_code == 200 and r.json()["stale"] is False
    got = api.get("/api/v1/cases/utkast-1/drafts/assessment").json()
    assert got["data"] == partial
    r = api.post("/api/v1/cases/utkast-1/versions", json={"based_on": 0, "assessment": {"bolig": {"situasjon": "privat_leie"}}})
    assert r.status_code == 201
    assert_error(api.get("/api/v1/cases/utkast-1/drafts/assessment"), 404, "not_found")  # saved: the draft is gone
    api.put("/api/v1/cases/utkast-1/drafts/decisions", json={"based_on": 0, "data": {"x": 1}})
    assert api.get("/api/v1/cases/utkast-1/drafts/decisions").json()["stale"] is True  # the case moved on meanwhile
    assert api.delete("/api/v1/cases/utkast-1/drafts/decisions").status_code == 204
    assert_error(api.put("/api/v1/cases/utkast-1/drafts/other", json={"based_on": 0, "data": {}}), 422, "input")


def test_references_that_look_like_national_ids_are_refused(api: Any) -> None:
    for ref in ("01019012345", "010190 12345", "sak-010190-12345"):
        err = assert_error(api.post("/api/v1/cases", json={"ref": ref}), 422, "input")
        assert err["problems"][0]["path"] == "ref" and ref not in json.dumps(err)
    assert_error(api.post("/api/v1/cases", json={"ref": "../etc"}), 422, "input")
    assert api.post("/api/v1/cases", json={"ref": "sak-2025-0001234"}).status_code == 201
    assert_error(api.get("/api/v1/cases/01019012345"), 422, "input")


def test_missing_cases_and_versions_are_404(api: Any) -> None:
    assert_error(api.get("/api/v1/cases/ingen"), 404, "not_found")
    assert_error(api.delete("/api/v1/cases/ingen"), 404, "not_found")
    assert_error(api.post("/api/v1/cases/ingen/notes", json={"text": "x"}), 404, "not_found")
    api.post("/api/v1/cases", json={"ref": "en", "assessment": {}})
    assert_error(api.get("/api/v1/cases/en/versions/9"), 404, "not_found")
    assert_error(api.get("/api/v1/cases/en/history?from=1&to=9"), 404, "not_found")


def test_export_is_the_files_the_cli_reads(api: Any, tmp_path: Path) -> None:
    api.post("/api/v1/cases", json={"ref": "sak-9", "assessment": case_data()})
    api.put("/api/v1/cases/sak-9/decisions", json={"based_on": 1, "decisions": {"measures": {"startlan": {"status": "avslatt", "reason": "Vil vente"}}}})
    api.post("/api/v1/cases/sak-9/notes", json={"text": "Første møte."})
    r = api.get("/api/v1/cases/sak-9/export")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        names = set(z.namelist())
        z.extractall(tmp_path)
    assert {"sak-9/kartlegging.yaml", "sak-9/kartlegging.valg.yaml", "sak-9/strategi.json", "sak-9/notater.yaml",
            "sak-9/versjoner/001/kartlegging.yaml", "sak-9/versjoner/002/kartlegging.valg.yaml"} <= names
    folder = tmp_path / "sak-9"
    again = CliRunner().invoke(cli, ["assess", str(folder / "kartlegging.yaml"), "--format", "json"])
    assert again.exit_code == 0 and again.stdout == (folder / "strategi.json").read_text(encoding="utf-8")
    plan = CliRunner().invoke(cli, ["assess", str(folder / "kartlegging.yaml"), "--format", "markdown"])
    assert "Vil vente" in plan.stdout  # the CLI reads the exported decisions beside the assessment
    assert "Første møte." in (folder / "notater.yaml").read_text(encoding="utf-8")
    # the service renders the version's plan as the CLI does from the exported files
    for fmt in ("html", "markdown"):
        cli_plan = CliRunner().invoke(cli, ["assess", str(folder / "kartlegging.yaml"), "--format", fmt, "--lang", "en"]).stdout
        served = api.get(f"/api/v1/cases/sak-9/versions/2/plan?format={fmt}&lang=en")
        assert served.status_code == 200 and served.text == cli_plan


def test_delete_removes_the_case(api: Any) -> None:
    api.post("/api/v1/cases", json={"ref": "borte", "assessment": case_data()})
    r = api.delete("/api/v1/cases/borte")
    assert r.status_code == 200 and r.json() == {"deleted": True, "purged": True}
    assert_error(api.get("/api/v1/cases/borte"), 404, "not_found")


# -- reload: one engine per ruleset hash --------------------------------------------------------

def test_reload_builds_an_engine_only_for_new_rules(web_config: Any, ruleset_copy: Path) -> None:
    from dataclasses import replace

    from fastapi.testclient import TestClient

    from conftest import WEB_TOKEN
    from ibp_rules.web.app import create_app

    config = replace(web_config, rules=(str(ruleset_copy),))
    with TestClient(create_app(config), headers={"Authorization": f"Bearer {WEB_TOKEN}"}) as client:
        first = client.post("/api/v1/rules/reload").json()
        assert first["changed"] is False and first["engines_built"] == 1
        rule_file = ruleset_copy / "rules" / "bolig.yaml"
        original = rule_file.read_bytes()
        rule_file.write_bytes(original + b"\n# changed\n")
        second = client.post("/api/v1/rules/reload").json()
        assert second["changed"] is True and second["engines_built"] == 2
        assert client.post("/api/v1/assess", json={}).headers["x-ibp-ruleset-sha256"] == second["ruleset"]["sha256"]
        rule_file.write_bytes(original)
        third = client.post("/api/v1/rules/reload").json()
        assert third["changed"] is True and third["ruleset"]["sha256"] == first["ruleset"]["sha256"]
        assert third["engines_built"] == 2  # the earlier engine is reused
        rule_file.write_bytes(b"kind: rules\nrules: [{id: x}]\n")
        err = assert_error(client.post("/api/v1/rules/reload"), 422, "input")
        assert any("bolig.yaml" in p["message"] or p["path"] for p in err["problems"])
        assert client.get("/api/v1/version").json()["ruleset"]["sha256"] == first["ruleset"]["sha256"]  # bad files: the old rules stay


def test_web_files_are_in_the_wheel() -> None:
    """Templates, static files and migrations ship in the package (checked on a plain install, as CI does)."""
    import importlib.metadata as md

    files = [str(f) for f in (md.files("ibp-rules") or [])]
    if not any(f.startswith("ibp_rules/web/") for f in files):
        pytest.skip("an editable install: the wheel layout is checked on a plain install (as CI does)")
    for needed in ("ibp_rules/web/migrations/0001_cases.sql", "ibp_rules/web/static/ibp.css", "ibp_rules/web/templates/base.html.j2",
                   "ibp_rules/web/views/docs.py", "ibp_rules/web/api/cases.py"):
        assert needed in files, needed
