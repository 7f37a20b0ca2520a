"""Run many assessments: streamed, in order, in constant memory, optionally in processes.

A municipality re-runs its caseload when the rules change. Input is JSON
Lines (one assessment per line) or a folder of YAML/JSON files; output is
JSON Lines, one record per input record, in input order:

    {"line": 1, "strategy": {...}}                    # as `ibp assess --format json`
    {"line": 2, "error": {"problems": [...]}}         # field path and message, no values

Memory stays flat whatever the input size: at most a few thousand records
are in flight at once (``Pool.imap`` alone would read the whole input ahead;
a semaphore holds it back), while reading, assessing and writing overlap. With ``workers > 1`` each worker process uses the engine
built by the parent: inherited on *fork*, rebuilt from the same rule files
(hash-checked) on *spawn*.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .assessment import assessment_from_located
from .engine import Engine
from .errors import IbpError, InputError
from .yaml_source import SourceError, read_bytes

#: records in flight at most (read but not yet written); bounds memory
WINDOW = 2048
#: records a worker takes at a time and returns as one block of lines: the
#: main process then copies one block per chunk instead of handling every
#: line (on two cores it competes with the workers for CPU)
CHUNK = 64


@dataclass(frozen=True)
class Record:
    """One input record: where it came from and its raw bytes."""

    line: int
    raw: bytes
    file: str | None = None


@dataclass
class Summary:
    total: int = 0
    ok: int = 0
    failed: int = 0


def read_jsonl(stream: Iterable[bytes]) -> Iterator[Record]:
    """Records from JSON Lines; blank lines are skipped (but counted)."""
    for n, raw in enumerate(stream, 1):
        if raw.strip():
            yield Record(n, raw)


def read_folder(folder: Path) -> Iterator[Record]:
    """Records from the YAML/JSON files of a folder, sorted by name."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".yaml", ".yml", ".json"))
    for n, p in enumerate(files, 1):
        yield Record(n, p.read_bytes(), p.name)


_ENGINE: Engine | None = None
_COMPACT = False


def _init_worker(engine: Engine, compact: bool) -> None:
    global _ENGINE, _COMPACT
    _ENGINE, _COMPACT = engine, compact


def run_record(engine: Engine, record: Record, compact: bool = False) -> tuple[bool, bytes]:
    """(ok, output line as UTF-8 without newline) for one record; never raises on bad input.

    Bytes, not text: the line is encoded once, in the worker, and the main
    process (which on two cores competes with the workers for CPU) only
    copies it to the output file.
    """
    head: dict[str, Any] = {"line": record.line}
    if record.file is not None:
        head["file"] = record.file
    name = record.file or f"line {record.line}"
    try:
        try:
            located = read_bytes(record.raw, name, as_json=record.file is None or record.file.endswith(".json"))
        except SourceError as exc:
            raise InputError(exc.problem) from None
        strategy = engine.assess(assessment_from_located(located))
    except InputError as exc:
        problems = [{"path": p.path, "line": p.line, "message": p.message} for p in exc.problems]
        return False, json.dumps({**head, "error": {"kind": "input", "problems": problems}}, ensure_ascii=False).encode()
    except IbpError as exc:
        internal = {"kind": "internal", "problems": [{"path": "", "line": None, "message": str(exc)}]}
        return False, json.dumps({**head, "error": internal}, ensure_ascii=False).encode()
    body = strategy.to_json_line(compact)
    prefix = json.dumps(head, ensure_ascii=False)[:-1].encode()
    return True, prefix + b', "strategy": ' + body + b"}"


def run_chunk(engine: Engine, records: list[Record], compact: bool = False) -> tuple[int, int, bytes]:
    """(ok, failed, the output lines as one UTF-8 block) for consecutive records."""
    ok = 0
    lines = []
    for record in records:
        good, line = run_record(engine, record, compact)
        ok += good
        lines.append(line)
    return ok, len(records) - ok, b"\n".join(lines) + b"\n"


def _run_chunk_in_worker(records: list[Record]) -> tuple[int, int, bytes]:
    assert _ENGINE is not None
    return run_chunk(_ENGINE, records, _COMPACT)


def _windows(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    window: list[Record] = []
    for r in records:
        window.append(r)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def run_batch(engine: Engine, records: Iterable[Record], write: Callable[[bytes], None], workers: int = 1,
              progress: Callable[[int], None] | None = None, compact: bool = False) -> Summary:
    """Assess every record and ``write`` its output line, in input order.

    ``write`` receives blocks of whole lines (UTF-8, newline-terminated),
    one block per chunk of :data:`CHUNK` records.
    """
    summary = Summary()

    def emit(ok: int, failed: int, block: bytes) -> None:
        write(block)
        summary.total += ok + failed
        summary.ok += ok
        summary.failed += failed
        if progress is not None:
            progress(ok + failed)

    if workers <= 1:
        for chunk in _windows(records, CHUNK):
            emit(*run_chunk(engine, chunk, compact))
        return summary
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    # Pool.imap reads its whole input ahead; a semaphore bounds the chunks in
    # flight, so memory stays flat while reading, computing and writing overlap.
    in_flight = threading.BoundedSemaphore(max(1, WINDOW // CHUNK))

    def feed() -> Iterator[list[Record]]:
        for chunk in _windows(records, CHUNK):
            in_flight.acquire()
            yield chunk

    with ctx.Pool(workers, initializer=_init_worker, initargs=(engine, compact)) as pool:
        for result in pool.imap(_run_chunk_in_worker, feed()):
            emit(*result)
            in_flight.release()
    return summary
