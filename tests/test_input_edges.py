"""Input that used to slip through or crash: each is refused with a located message that never repeats it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from ibp_rules import AssessmentError, Engine, RulesetError, parse_assessment
from ibp_rules.cli.main import cli
from ibp_rules.ruleset import load_ruleset

CASE = EXAMPLES / "uforetrygd-til-startlan.yaml"
SENTINEL = "ZZSENTINEL7Q"
BIG = "9" * 5000


def _problem(raw: bytes) -> Any:
    with pytest.raises(AssessmentError) as exc:
        parse_assessment(raw, "sak.yaml")
    (problem,) = exc.value.problems
    return problem


# -- 5. invalid dates and 5,000-digit integers --------------------------------------------

@pytest.mark.parametrize(
    ("raw", "line", "path", "words"),
    [
        (b"bolig:\n  situasjon: eid\n  ar_i_boligen: 2024-13-45\n", 3, "bolig.ar_i_boligen", "not a valid date"),
        (b"husholdning:\n  voksne: " + BIG.encode() + b"\n", 2, "husholdning.voksne", "more than 30 digits"),
        (b"husholdning:\n  barn_alder: [3, " + BIG.encode() + b"]\n", 2, "husholdning.barn_alder[1]", "more than 30 digits"),
        (b'{"husholdning": {"voksne": ' + BIG.encode() + b"}}", None, "", "more than 30 digits"),
    ],
)
def test_bad_dates_and_huge_numbers_are_located_problems(raw: bytes, line: int | None, path: str, words: str) -> None:
    p = _problem(raw)
    assert (p.line, p.path) == (line, path) and words in p.message and p.message_nb


def test_bad_dates_and_huge_numbers_in_rule_files(ruleset_copy: Path) -> None:
    target = ruleset_copy / "ruleset.yaml"
    for extra, words in ((b"gyldig_fra: 2024-13-45\n", "not a valid date"), (b"teller: " + BIG.encode() + b"\n", "30 digits")):
        target.write_bytes(target.read_bytes() + extra)
        with pytest.raises(RulesetError) as exc:
            load_ruleset([ruleset_copy])
        (problem,) = exc.value.problems
        assert problem.file == str(target) and problem.line and words in problem.message
        target.write_bytes(target.read_bytes()[: -len(extra)])


@pytest.mark.parametrize(("value", "words"), [("2024-13-45", "gyldig dato"), (BIG, "30 sifre"), ("1:30", "desimaltall")])
def test_whatif_set_with_a_bad_value_is_bad_input(value: str, words: str) -> None:
    r = CliRunner().invoke(cli, ["whatif", str(CASE), "--set", f"bolig.ar_i_boligen={value}"])
    assert r.exit_code == 2, r.output
    assert "--set #1: bolig.ar_i_boligen: " in r.output and words in r.output and "Intern feil" not in r.output


def test_one_bad_file_in_a_batch_folder_becomes_an_error_record(tmp_path: Path) -> None:
    folder = tmp_path / "saker"
    folder.mkdir()
    (folder / "a.yaml").write_bytes(CASE.read_bytes())
    (folder / "b.yaml").write_text("bolig:\n  ar_i_boligen: 2024-13-45\n", encoding="utf-8")
    (folder / "c.yaml").write_text(f"husholdning:\n  voksne: {BIG}\n", encoding="utf-8")
    (folder / "d.yaml").write_text("", encoding="utf-8")
    (folder / "e.json").write_text('{"bolig": {"vold": true, "vold": false}}', encoding="utf-8")
    (folder / "f.yaml").write_bytes(CASE.read_bytes())
    out = tmp_path / "ut.jsonl"
    r = CliRunner().invoke(cli, ["batch", str(folder), "-o", str(out), "--lang", "en"])
    assert r.exit_code == 2, r.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(rec["file"], "strategy" in rec) for rec in records] == [
        ("a.yaml", True), ("b.yaml", False), ("c.yaml", False), ("d.yaml", False), ("e.json", False), ("f.yaml", True)]
    messages = [rec["error"]["problems"][0]["message"] for rec in records[1:5]]
    assert "not a valid date" in messages[0] and "30 digits" in messages[1] and messages[2].startswith("empty")
    assert "appears twice" in messages[3]


def test_a_record_that_fails_unexpectedly_is_an_error_record_and_the_run_goes_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ibp_rules import batch

    calls = []
    real = batch.assessment_from_located

    def flaky(located: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise ValueError(SENTINEL)  # an unexpected failure, for one record
        return real(located)

    monkeypatch.setattr(batch, "assessment_from_located", flaky)
    lines = [b"{}", b'{"bolig": {"situasjon": "eid"}}', b"{}"]
    out: list[bytes] = []
    summary = batch.run_batch(Engine.default(), batch.read_jsonl(line + b"\n" for line in lines), out.append)
    assert (summary.ok, summary.failed) == (2, 1)
    records = [json.loads(line) for line in b"".join(out).splitlines()]
    assert records[1]["error"] == {"kind": "internal", "problems": [{"path": "", "line": None, "message": "internal error (ValueError)"}]}
    assert SENTINEL not in b"".join(out).decode()


# -- 6. duplicate keys in JSON ---------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "line", "path"),
    [
        (b'{"bolig": {"vold": true, "vold": false}}', 1, "bolig"),
        (b'{\n  "bolig": {"vold": true},\n  "okonomi": {},\n  "bolig": {"vold": false}\n}\n', 4, ""),
        (b'{"mal": {"onsker": ["eie"]}, "bolig": {"situasjon": "eid", "vold": false, "situasjon": "eid"}}', 1, "bolig"),
    ],
)
def test_duplicate_json_keys_are_refused_with_the_path(raw: bytes, line: int, path: str) -> None:
    p = _problem(raw)
    assert (p.line, p.path) == (line, path) and "appears twice" in p.message and "to ganger" in p.render("nb")


def test_duplicate_keys_in_a_json_lines_batch(tmp_path: Path) -> None:
    src = tmp_path / "saker.jsonl"
    src.write_text('{"bolig": {"vold": true}}\n{"bolig": {"vold": true, "vold": false}}\n', encoding="utf-8")
    r = CliRunner().invoke(cli, ["batch", str(src), "-o", str(tmp_path / "ut.jsonl")])
    assert r.exit_code == 2
    second = json.loads((tmp_path / "ut.jsonl").read_text(encoding="utf-8").splitlines()[1])
    assert second["error"]["problems"][0]["path"] == "bolig"


# -- 7. numbers must be numbers ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("raw", "path", "words"),
    [
        (b"arbeid_utdanning:\n  status: i_arbeid\n  stillingsprosent: off\n", "arbeid_utdanning.stillingsprosent", "not true/false"),
        (b"husholdning:\n  voksne: yes\n", "husholdning.voksne", "not true/false"),
        (b"husholdning:\n  barn_alder: [on]\n", "husholdning.barn_alder[0]", "not true/false"),
        (b'{"husholdning": {"voksne": true}}', "husholdning.voksne", "not true/false"),
        (b'{"bolig": {"ar_i_boligen": false}}', "bolig.ar_i_boligen", "not true/false"),
        (b'{"schema_version": true}', "schema_version", "not true/false"),
        (b'husholdning:\n  voksne: "2"\n', "husholdning.voksne", "expected a whole number"),
        (b"bolig:\n  ar_i_boligen: 1:30\n", "bolig.ar_i_boligen", "base 60"),
        (b"husholdning:\n  voksne: 010\n", "husholdning.voksne", "octal"),
        (b"husholdning:\n  voksne: 0x2\n", "husholdning.voksne", "plain decimal"),
        (b"arbeid_utdanning:\n  stillingsprosent: 1_0\n", "arbeid_utdanning.stillingsprosent", "plain decimal"),
    ],
)
def test_number_fields_take_only_plain_numbers(raw: bytes, path: str, words: str) -> None:
    p = _problem(raw)
    assert p.path == path and words in p.message and p.message_nb


def test_plain_numbers_still_work() -> None:
    a = parse_assessment(b"husholdning:\n  voksne: 2\n  barn_alder: [0, 7]\nbolig:\n  ar_i_boligen: 2\n"
                         b"arbeid_utdanning:\n  stillingsprosent: +50\n")
    assert (a.husholdning.voksne, a.bolig.ar_i_boligen, a.arbeid_utdanning.stillingsprosent) == (2, 2.0, 50)
    assert parse_assessment(b'{"bolig": {"ar_i_boligen": 2.5}}').bolig.ar_i_boligen == 2.5
    # YAML 1.1 words still mean yes/no where the field is yes/no
    assert parse_assessment(b"bolig:\n  vold: yes\n").bolig.vold is True


# -- 8. errors never repeat the input ------------------------------------------------------------

@pytest.mark.parametrize(
    "raw",
    [
        f"bolig:\n  situasjon: !{SENTINEL} eid\n".encode(),
        f"bolig:\n  situasjon: !!{SENTINEL} eid\n".encode(),
        f"bolig:\n  {SENTINEL}: 1\n".encode(),
        f"{SENTINEL}: 1\n".encode(),
        f"bolig:\n  vold: true\n  {SENTINEL}: 1\n  {SENTINEL}: 2\n".encode(),
        f'{{"bolig": {{"{SENTINEL}": 1, "{SENTINEL}": 2}}}}'.encode(),
        f"bolig:\n  situasjon: *{SENTINEL}\n".encode(),
        f"a: &{SENTINEL} 1\nb: &{SENTINEL} 2\n".encode(),
        f"bolig:\n  situasjon: !{SENTINEL}!x eid\n".encode(),
    ],
)
@pytest.mark.parametrize("loader", ["libyaml", "pure Python"])
def test_errors_name_the_position_not_the_text(raw: bytes, loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if loader == "pure Python":  # PyYAML without libyaml quotes anchors, aliases and tag handles in its messages
        import yaml

        from ibp_rules import yaml_source

        monkeypatch.setattr(yaml_source, "_LOADER", yaml.SafeLoader)
    with pytest.raises(AssessmentError) as exc:
        parse_assessment(raw, "sak.yaml")
    for lang in ("en", "nb"):
        assert SENTINEL not in exc.value.render(lang)
    assert SENTINEL not in repr(exc.value.problems)
    assert all(p.line for p in exc.value.problems)


def test_an_unknown_key_is_named_by_its_section_and_line() -> None:
    p = _problem(b"bolig:\n  vold: true\n  situasjn: eid\n")
    assert (p.line, p.path) == (3, "bolig") and "did you mean situasjon" in p.message


def test_whatif_shows_that_free_text_changed_not_what_it_says() -> None:
    for fmt in ("text", "json"):
        r = CliRunner().invoke(cli, ["whatif", str(CASE), "--set", f"mal.fritekst={SENTINEL} vil bo ved sjøen",
                                     "--set", f"mal.ressurser=[{SENTINEL}]", "--format", fmt])
        assert r.exit_code == 0, r.output
        assert SENTINEL not in r.output and "Vil ha et sted" not in r.output  # neither the new text nor the old
    assert "Ønsker med egne ord: endret (teksten vises ikke)" in CliRunner().invoke(
        cli, ["whatif", str(CASE), "--set", f"mal.fritekst={SENTINEL}"]).output
    data = json.loads(CliRunner().invoke(cli, ["whatif", str(CASE), "--set", f"mal.fritekst={SENTINEL}", "--format", "json"]).output)
    assert data["set"] == [{"path": "mal.fritekst", "changed": True}]


def test_whatif_does_not_repeat_an_unknown_path() -> None:
    r = CliRunner().invoke(cli, ["whatif", str(CASE), "--set", f"{SENTINEL}=1", "--set", "bolig.vld=true"])
    assert r.exit_code == 2
    assert SENTINEL not in r.output
    assert "--set #1: ukjent sti." in r.output and "--set #2: ukjent sti. Mente du: 'bolig.vold'?" in r.output


# -- 9. empty input ------------------------------------------------------------------------------

@pytest.mark.parametrize("content", [b"", b"\n\n", b"# bare en kommentar\n", b"  \n"])
@pytest.mark.parametrize("name", ["sak.yaml", "sak.json"])
def test_an_empty_file_is_refused(tmp_path: Path, content: bytes, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    if name.endswith(".json") and b"#" in content:
        return  # not JSON at all; refused as such
    r = CliRunner().invoke(cli, ["assess", str(p)])
    assert r.exit_code == 2, r.output
    assert f"{p}: tom: her er ingen kartlegging" in r.output


def test_empty_standard_input_is_refused_but_an_explicit_empty_case_is_fine() -> None:
    r = CliRunner().invoke(cli, ["assess", "-", "--lang", "en"], input="")
    assert r.exit_code == 2 and "<stdin>: empty: there is no assessment here" in r.output
    assert CliRunner().invoke(cli, ["assess", "-"], input="{}\n").exit_code == 0
    r = CliRunner().invoke(cli, ["assess", "-", "--lang", "en"], input="null\n")
    assert r.exit_code == 2 and "expected a mapping" in r.output
