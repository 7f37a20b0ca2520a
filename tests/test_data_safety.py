"""Never lose data: outputs are complete or absent, a stopped batch can go on, bad output paths are bad input."""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from ibp_rules import Engine, OutputError
from ibp_rules.atomic import check_writable, write_atomic
from ibp_rules.batch import BatchOutput, ResumeError, read_jsonl, run_batch
from ibp_rules.cli.main import cli
from ibp_rules.population import population

CASE = EXAMPLES / "uforetrygd-til-startlan.yaml"
LINES = [json.dumps(p, sort_keys=True) for p in population(400, seed=3)]


@pytest.fixture()
def caseload(tmp_path: Path) -> Path:
    p = tmp_path / "saker.jsonl"
    p.write_text("\n".join(LINES[:40]) + "\n", encoding="utf-8")
    return p


def _files(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# -- 1. the input is never the output ------------------------------------------------

@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "partial"])
def test_batch_refuses_its_input_as_output(caseload: Path, how: str) -> None:
    before = caseload.read_bytes()
    output = caseload.with_name("ut.jsonl")
    if how == "same":
        output = caseload
    elif how == "symlink":
        output.symlink_to(caseload.name)
    elif how == "hardlink":
        os.link(caseload, output)
    else:  # the output's partial file would be the input
        output = caseload.with_name("saker")
        caseload.rename(caseload.with_name("saker.partial"))
        caseload = caseload.with_name("saker.partial")
    r = CliRunner().invoke(cli, ["batch", str(caseload), "-o", str(output)])
    assert r.exit_code == 2, r.output
    assert f"{output}: det er innfilen" in r.output
    assert caseload.read_bytes() == before


def test_batch_refuses_an_output_that_is_one_of_the_folders_files(tmp_path: Path) -> None:
    folder = tmp_path / "saker"
    folder.mkdir()
    (folder / "a.json").write_text(LINES[0], encoding="utf-8")
    r = CliRunner().invoke(cli, ["batch", str(folder), "-o", str(folder / "a.json"), "--lang", "en"])
    assert r.exit_code == 2 and "it is the input file" in r.output
    assert (folder / "a.json").read_text(encoding="utf-8") == LINES[0]


# -- 1/4. complete or not at all; a bad path is bad input ------------------------------

@pytest.fixture()
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every fsync fails as on a full disk (the last moment a write can fail)."""

    def fsync(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    yield


def _command(kind: str, tmp_path: Path, caseload: Path) -> tuple[list[str], Path]:
    case = tmp_path / "sak.yaml"
    case.write_bytes(CASE.read_bytes())
    if kind == "assess":
        return ["assess", str(case), "--format", "html", "-o", str(tmp_path / "plan.html")], tmp_path / "plan.html"
    if kind == "decide":
        return ["decide", str(case), "--add", "Besøke banken"], tmp_path / "sak.valg.yaml"
    if kind == "batch":
        return ["batch", str(caseload), "-o", str(tmp_path / "ut.jsonl")], tmp_path / "ut.jsonl"
    if kind == "graph":
        return ["graph", "--format", "svg", "-o", str(tmp_path / "pilarer.svg")], tmp_path / "pilarer.svg"
    return ["simulate", "--population", "20", "--save-population", str(tmp_path / "pop.jsonl")], tmp_path / "pop.jsonl"


@pytest.mark.parametrize("kind", ["assess", "decide", "batch", "graph", "simulate"])
def test_a_failed_write_leaves_the_old_file_as_it_was(kind: str, tmp_path: Path, caseload: Path, full_disk: None) -> None:
    args, target = _command(kind, tmp_path, caseload)
    old = "own: []\n"  # also a valid decisions file
    target.write_text(old, encoding="utf-8")
    before = set(_files(tmp_path))
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert f"{target}: kan ikke skrive filen: disken er full" in r.output
    assert "Intern feil" not in r.output
    assert target.read_text(encoding="utf-8") == old
    left = set(_files(tmp_path)) - before
    # no temporary file is left; a stopped batch keeps its clearly named partial file
    assert left <= {"ut.jsonl.partial"}, left


@pytest.mark.parametrize("kind", ["assess", "batch", "graph", "simulate"])
def test_an_output_in_a_missing_folder_is_bad_input_naming_the_path(kind: str, tmp_path: Path, caseload: Path) -> None:
    args, target = _command(kind, tmp_path, caseload)
    missing = tmp_path / "finnes-ikke" / target.name
    args[args.index(str(target))] = str(missing)
    r = CliRunner().invoke(cli, [*args, "--lang", "en"])
    assert r.exit_code == 2, r.output
    assert f"{missing}: cannot write the file: the folder does not exist" in r.output


def test_write_atomic_keeps_permissions_and_writes_through_links(tmp_path: Path) -> None:
    real = tmp_path / "plan.md"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link = tmp_path / "lenke.md"
    link.symlink_to(real.name)
    write_atomic(link, "new")
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert real.stat().st_mode & 0o777 == 0o640
    assert _files(tmp_path) == ["lenke.md", "plan.md"]
    with pytest.raises(OutputError) as exc:
        check_writable(tmp_path)
    assert "it is a folder" in str(exc.value)


def test_decide_reason_over_the_limit_is_bad_input(tmp_path: Path) -> None:
    case = tmp_path / "sak.yaml"
    case.write_bytes(CASE.read_bytes())
    r = CliRunner().invoke(cli, ["decide", str(case), "startlan", "--status", "avslatt", "--reason", "x" * 501])
    assert r.exit_code == 2, r.output
    assert "--reason: teksten er for lang (høyst 500 tegn)" in r.output
    assert "x" * 20 not in r.output  # the person's words are not repeated
    assert not (tmp_path / "sak.valg.yaml").exists()
    r = CliRunner().invoke(cli, ["decide", str(case), "--add", "", "--lang", "en"])
    assert r.exit_code == 2 and "--add: the text cannot be empty" in r.output


# -- 2. a stopped batch: clean, clearly partial, and resumable ---------------------------

def _expected(lines: list[str], compact: bool = False) -> bytes:
    buf = io.BytesIO()
    run_batch(Engine.default(), read_jsonl(line.encode() + b"\n" for line in lines), buf.write, compact=compact)
    return buf.getvalue()


def _start(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    """``ibp`` in its own process group, as a terminal runs a foreground job.

    With ``-X faulthandler`` a stuck run can be asked (SIGABRT) where every
    thread stands; :func:`_finish` does that before it reports a hang.
    """
    return subprocess.Popen([sys.executable, "-X", "faulthandler", "-m", "ibp_rules.cli.main", *args], cwd=cwd,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


def _finish(proc: subprocess.Popen[bytes], timeout: float = 60) -> bytes:
    """The stopped run's stderr; a run that does not end fails with its threads' stacks, not a bare timeout."""
    try:
        return proc.communicate(timeout=timeout)[1]
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGABRT)
        _, err = proc.communicate(timeout=30)
        pytest.fail(f"the run did not stop within {timeout} s after the signal:\n{err.decode(errors='replace')}")


def _wait_for_lines(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60, size: int = 1) -> None:
    deadline = time.monotonic() + timeout
    while not (path.exists() and path.stat().st_size >= size):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no output appeared"
        time.sleep(0.05)


@pytest.mark.parametrize(("sig", "workers", "code"), [(signal.SIGINT, 2, 130), (signal.SIGTERM, 1, 143)])
def test_a_signal_stops_batch_cleanly_and_resume_completes_it(tmp_path: Path, sig: int, workers: int, code: int) -> None:
    out = tmp_path / "ut.jsonl"
    partial = tmp_path / "ut.jsonl.partial"
    args = ["batch", "-", "-o", str(out), "--workers", str(workers), "--lang", "en"]
    proc = _start(args, tmp_path)
    assert proc.stdin is not None
    # the first 200 records, then the input stays open: the run is certainly in the middle when stopped
    proc.stdin.write(("\n".join(LINES[:200]) + "\n").encode())
    proc.stdin.flush()
    _wait_for_lines(partial, proc)
    if sig == signal.SIGINT:
        os.killpg(proc.pid, sig)  # Ctrl-C reaches the whole foreground group, workers included
    else:
        proc.send_signal(sig)  # SIGTERM to the command alone
    err = _finish(proc)
    assert proc.returncode == code, err
    message = err.decode().strip()
    assert "Traceback" not in message and len(message.splitlines()) == 1, message
    written = partial.read_bytes()
    n = written.count(b"\n")
    assert message == f"Interrupted ({signal.Signals(sig).name}): {n} records are in {partial}; continue with --resume."
    assert 0 < n < 200 and written.endswith(b"\n") and not out.exists()
    expected = _expected(LINES)
    assert expected.startswith(written)  # whole, correct lines, in order

    r = subprocess.run([sys.executable, "-m", "ibp_rules.cli.main", *args, "--resume"], cwd=tmp_path,
                       input=("\n".join(LINES) + "\n").encode(), capture_output=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"Continuing after {n} records" in r.stderr.decode()
    assert out.read_bytes() == expected  # as if it had never stopped
    assert _files(tmp_path) == ["ut.jsonl"]


def test_a_stop_before_any_record_leaves_no_file(tmp_path: Path) -> None:
    proc = _start(["batch", "-", "-o", "ut.jsonl", "--lang", "en"], tmp_path)
    _wait_for_lines(tmp_path / "ut.jsonl.partial", proc, size=0)  # the engine is built; the run waits for input
    os.killpg(proc.pid, signal.SIGINT)
    err = _finish(proc)
    assert proc.returncode == 130
    assert err.decode().strip() == "Interrupted (SIGINT): no records written; no file made."
    assert _files(tmp_path) == []


def test_resume_cuts_a_torn_last_line_and_refuses_other_settings(tmp_path: Path, caseload: Path) -> None:
    out = tmp_path / "ut.jsonl"
    partial = tmp_path / "ut.jsonl.partial"
    expected = _expected(LINES[:40])
    lines = expected.splitlines(keepends=True)
    partial.write_bytes(b"".join(lines[:7]) + lines[7][:50])  # a crash while writing line 8
    r = CliRunner().invoke(cli, ["batch", str(caseload), "-o", str(out), "--resume", "--compact"])
    assert r.exit_code == 2 and "--compact" in r.output  # the partial file is not compact
    r = CliRunner().invoke(cli, ["batch", str(caseload), "-o", str(out), "--resume"])
    assert r.exit_code == 0, r.output
    assert "Fortsetter etter 7 poster" in r.output
    assert out.read_bytes() == expected


def test_resume_refuses_a_partial_file_from_other_rules(tmp_path: Path, caseload: Path, ruleset_copy: Path) -> None:
    out = tmp_path / "ut.jsonl"
    (tmp_path / "ut.jsonl.partial").write_bytes(_expected(LINES[:3]))
    with (ruleset_copy / "rules" / "bolig.yaml").open("a", encoding="utf-8") as f:
        f.write("# changed\n")
    r = CliRunner().invoke(cli, ["batch", str(caseload), "-o", str(out), "--resume", "--rules", str(ruleset_copy), "--lang", "en"])
    assert r.exit_code == 2 and "written with other rules" in r.output


def test_resume_refuses_a_partial_file_of_another_output_schema(tmp_path: Path, caseload: Path) -> None:
    older = _expected(LINES[:3]).replace(b'"schema_version":', b'"schema_version":1', 1)  # e.g. 13 for 3
    (tmp_path / "ut.jsonl.partial").write_bytes(older)
    r = CliRunner().invoke(cli, ["batch", str(caseload), "-o", str(tmp_path / "ut.jsonl"), "--resume", "--lang", "en"])
    assert r.exit_code == 2 and "another ibp version" in r.output


def test_resume_refuses_a_folder_that_changed(tmp_path: Path) -> None:
    folder = tmp_path / "saker"
    folder.mkdir()
    for i in range(4):
        (folder / f"{i}.json").write_text(LINES[i], encoding="utf-8")
    out = tmp_path / "ut.jsonl"
    assert CliRunner().invoke(cli, ["batch", str(folder), "-o", str(out)]).exit_code == 0
    out.rename(tmp_path / "ut.jsonl.partial")
    (folder / "0a.json").write_text(LINES[5], encoding="utf-8")  # shifts every later file
    r = CliRunner().invoke(cli, ["batch", str(folder), "-o", str(out), "--resume", "--lang", "en"])
    assert r.exit_code == 2 and "the folder changed" in r.output


def test_a_second_run_on_the_same_output_is_refused_while_one_runs(tmp_path: Path) -> None:
    engine = Engine.default()
    first = BatchOutput(tmp_path / "ut.jsonl", engine)
    first.write(b'{"line": 1, "error": {}}\n')
    with pytest.raises(OutputError, match="another ibp batch"):
        BatchOutput(tmp_path / "ut.jsonl", engine)
    with pytest.raises(OutputError):
        BatchOutput(tmp_path / "ut.jsonl", engine, resume=True)
    assert (tmp_path / "ut.jsonl.partial").read_bytes() == b'{"line": 1, "error": {}}\n'
    first.finish()
    assert (tmp_path / "ut.jsonl").exists() and not (tmp_path / "ut.jsonl.partial").exists()


def test_resume_refuses_a_file_that_is_not_batch_output(tmp_path: Path) -> None:
    (tmp_path / "ut.jsonl.partial").write_text("hello\n", encoding="utf-8")
    with pytest.raises(ResumeError, match="line 1 is not a batch output record"):
        BatchOutput(tmp_path / "ut.jsonl", Engine.default(), resume=True)
