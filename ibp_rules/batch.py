"""Run many assessments: streamed, in order, in constant memory, optionally in processes.

A municipality re-runs its caseload when the rules change. Input is JSON
Lines (one assessment per line) or a folder of YAML/JSON files; output is
JSON Lines, one record per input record, in input order:

    {"line": 1, "strategy": {...}}                    # as `ibp assess --format json`
    {"line": 2, "error": {"problems": [...]}}         # field path and message, no values

A record may carry the caller's own case reference in an envelope,
``{"ref": "sak-17", "assessment": {...}}``; its output record then carries
``"ref": "sak-17"`` (the same key as ``POST /api/v1/batch``). A reference
that could identify the person (eleven digits) is refused, not echoed.

Read from a pipe (another program's helper process: ``ibp batch - -o -``),
each record is answered as soon as it is read, while the input stays open
(:func:`read_stream`); from a file, records go in chunks for throughput.

Memory stays flat whatever the input size: at most a few thousand records
are in flight at once (``Pool.imap`` alone would read the whole input ahead;
a semaphore holds it back), while reading, assessing and writing overlap.
With ``workers > 1`` each worker process uses the engine built by the
parent: inherited on *fork*, rebuilt from the same rule files (hash-checked)
on *spawn* — and a worker that cannot rebuild it reports that once, as an
:class:`~ibp_rules.errors.EngineError` in the parent, instead of dying at
start-up (which makes ``multiprocessing.Pool`` start it again, forever).

The output is never a file that looks complete but is not:
:class:`BatchOutput` writes ``OUTPUT.partial`` and renames it to ``OUTPUT``
only when every record is written. A run that stops early (Ctrl-C, SIGTERM,
a crash, a full disk) leaves whole lines in ``OUTPUT.partial``, and
``resume=True`` continues from the last record it holds.
"""

from __future__ import annotations

import contextlib
import gc
import json
import multiprocessing as mp
import os
import queue
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import __version__
from .assessment import assessment_from_located
from .atomic import Beside, fsync_folder, output_error, target_of
from .engine import Engine
from .errors import EngineError, IbpError, InputError, OutputError, Problem
from .refs import reference_problem
from .strategy import COMPACT_EXCLUDE, STRATEGY_SCHEMA_VERSION
from .yaml_source import MAX_BYTES, Located, SourceError, read_bytes, read_reason

#: records in flight at most (read but not yet written); bounds memory
WINDOW = 2048
#: records a worker takes at a time and returns as one block of lines: the
#: main process then copies one block per chunk instead of handling every
#: line (on two cores it competes with the workers for CPU)
CHUNK = 64
#: how often (seconds) waiting threads look whether the run was stopped
_POLL = 0.1
#: the suffix of the file a run writes until it is complete
PARTIAL_SUFFIX = ".partial"
#: the file types read from a folder
FOLDER_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass(frozen=True)
class Record:
    """One input record: where it came from and its raw bytes."""

    line: int
    raw: bytes
    file: str | None = None
    #: why the file could not be read (the record then becomes an error record)
    unreadable: str | None = None


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


class _Flush:
    """Marks a point where the input has nothing more to read yet: what was read must be answered now."""


#: yielded by :func:`read_stream` when the next read would wait for the writer
FLUSH = _Flush()


def _would_wait(fd: int) -> bool:
    """Whether reading ``fd`` now would wait for its writer (a pipe or terminal with nothing in it)."""
    import select

    try:
        readable, _, _ = select.select([fd], [], [], 0)
    except (OSError, ValueError):  # pragma: no cover - a descriptor select cannot watch
        return True
    return not readable


def read_stream(fd: int, block: int = 1 << 16) -> Iterator[Record | _Flush]:
    """Records from JSON Lines on a pipe, and :data:`FLUSH` whenever the
    input has no more for now, so that each record read is answered while the
    writer waits for it (a program using ``ibp batch - -o -`` as a helper:
    one line out, one answer back). Blank lines are skipped but counted; a
    line longer than the file limit becomes an error record, and memory
    stays bounded by it.
    """
    buffer = b""
    n = 0
    pending = False  # records read since the last FLUSH
    skipping = False  # inside a line over the limit: dropped up to its newline
    while True:
        while b"\n" in buffer:
            raw, buffer = buffer.split(b"\n", 1)
            n += 1
            if skipping:
                skipping = False
            elif raw.strip():
                pending = True
                yield Record(n, raw)
        if len(buffer) > MAX_BYTES and not skipping:
            n += 1
            pending, skipping, buffer = True, True, b""
            yield Record(n, b"", unreadable=f"the line is longer than {MAX_BYTES // (1024 * 1024)} MiB")
        elif skipping:
            buffer = b""
        if pending and _would_wait(fd):
            pending = False
            yield FLUSH
        chunk = os.read(fd, block)
        if not chunk:
            break
        buffer += chunk
    if buffer.strip() and not skipping:
        yield Record(n + 1, buffer)


def folder_files(folder: Path) -> list[Path]:
    """The YAML/JSON files of a folder that a batch reads, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in FOLDER_SUFFIXES)


def read_folder(folder: Path) -> Iterator[Record]:
    """Records from the YAML/JSON files of a folder, sorted by name.

    A file that cannot be read becomes a record whose error says so: one bad
    file never stops the run.
    """
    for n, p in enumerate(folder_files(folder), 1):
        try:
            raw = p.read_bytes()
        except OSError as exc:
            yield Record(n, b"", p.name, unreadable=read_reason(exc))
            continue
        yield Record(n, raw, p.name)
@dataclass(frozen=True)
class EngineRecipe:
    """How a *spawn* worker rebuilds the parent's engine: the rule folders
    (absolute paths) and the hash the files must still have.

    Rebuilt in the worker's initializer, where a failure can be caught:
    unpickling an :class:`Engine` happens before the initializer runs, and
    a worker that dies there is restarted by the pool, endlessly.
    """

    roots: tuple[str, ...]
    sha256: str

    def build(self) -> Engine:
        engine = Engine.from_paths(*self.roots)
        if engine.ruleset.sha256 != self.sha256:
            raise EngineError("the rule files changed since the batch started (ruleset hash differs); run it again")
        return engine


#: while a batch runs, a full (oldest-generation) garbage collection waits
#: for this many collections of the middle generation (Python's default is
#: 10). A record leaves next to no cyclic garbage behind (about one object
#: in three records reaches the oldest generation), but the engine's caches
#: grow while a caseload runs, and Python collects in full whenever the
#: long-lived objects grow by a quarter: with the default, four full scans
#: of every cached object per 2,000 records, about a fifth of a record's
#: CPU time. Young garbage is still collected as usual, and what waits for
#: the next full collection stays small (measured: about 2,000 objects of
#: cyclic garbage after 6,000 records).
FULL_COLLECTION_AFTER = 1_000


def _collect_in_full_rarely() -> tuple[int, int, int]:
    """Set the collector for a batch (see :data:`FULL_COLLECTION_AFTER`); the settings it had."""
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], max(old[2], FULL_COLLECTION_AFTER))
    return old


@contextlib.contextmanager
def batch_collector() -> Iterator[None]:
    """Collect in full rarely while a batch runs in this process; the process's own settings come back afterwards."""
    old = _collect_in_full_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*old)


#: glibc's mallopt parameters (malloc.h) and the values a batch process uses
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: blocks up to this size come from the heap, not from a fresh mapping each time
MMAP_THRESHOLD = 16 << 20
#: free memory at the top of the heap kept for the next blocks, not given back
TRIM_THRESHOLD = 128 << 20


def _reuse_large_blocks() -> bool:
    """Let this process reuse the memory of its large blocks instead of mapping fresh pages for each.

    A chunk's output (64 strategies, about 1.5 MB) is joined, pickled, sent
    and freed over and over. glibc serves a block that large with a fresh
    ``mmap`` and gives it back with ``munmap`` (or trims the heap), so every
    chunk faults its pages in anew: about 20 page faults a record in each
    worker. Raising the two thresholds keeps those pages in the process for
    the next chunk. Measured on 60,000 records with two workers, alternating
    runs: page faults a worker 600,000 → 15,000, CPU of the whole run
    96.6/94.5 s → 90.8/88.9 s, wall 50.3/49.0 s → 47.2/46.1 s, peak RSS of
    the process tree 267.5 → 275.5 MiB (a threshold of 8 MiB for trimming
    gained nothing). Not glibc (another libc, another system): nothing
    changes. Returns whether the settings took.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


_ENGINE: Engine | None = None
_ENGINE_FAILURE: str | None = None
_COMPACT = False
_LANG = "en"


def _init_worker(engine: Engine | EngineRecipe, compact: bool, lang: str = "en") -> None:
    """Set up a worker: signals, then the engine (a failure is kept, not raised).

    Ctrl-C in a terminal reaches every process of the group; only the parent
    acts on it (it stops the pool), so workers ignore SIGINT and die quietly
    on the SIGTERM the pool sends them — no tracebacks from workers.
    """
    global _ENGINE, _ENGINE_FAILURE, _COMPACT, _LANG
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)
    _COMPACT, _LANG = compact, lang
    _reuse_large_blocks()
    # a worker only runs batch records: collect in full rarely (see
    # FULL_COLLECTION_AFTER), and never scan what lives as long as the worker
    # (the engine, its ruleset, the modules) in the full collections that remain
    _collect_in_full_rarely()
    if isinstance(engine, Engine):
        _ENGINE = engine
        gc.freeze()
        return
    try:
        _ENGINE = engine.build()
    except IbpError as exc:
        _ENGINE_FAILURE = f"a worker process could not rebuild the engine: {exc}"
    except Exception as exc:  # noqa: BLE001 - reported once, in the parent
        _ENGINE_FAILURE = f"a worker process could not rebuild the engine ({type(exc).__name__})"
    gc.freeze()


#: the keys of an envelope: the caller's reference and the assessment
ENVELOPE = frozenset({"ref", "assessment"})


def unwrap(located: Located) -> tuple[Located, str | None]:
    """The assessment and the caller's reference of an envelope
    (``{"ref": "sak-17", "assessment": {…}}``); anything else is the assessment itself.

    A reference that cannot be used (it may be a national id number) is an
    :class:`~ibp_rules.errors.InputError` that does not repeat it; a
    reference written beside the assessment's fields (``"ref"`` or ``"id"``
    at the top) is told where it goes.
    """
    data = located.data
    if not isinstance(data, dict):
        return located, None
    if "assessment" in data and set(data) <= ENVELOPE:
        ref = data.get("ref")
        if ref is not None:
            problem = reference_problem(ref)
            if problem is not None:
                raise InputError(Problem(located.file, located.line_of(("ref",)), "ref", problem.message, message_nb=problem.message_nb))
        lines = {path[1:]: line for path, line in located.lines.items() if path[:1] == ("assessment",)}
        return Located(data["assessment"], located.file, lines), ref
    for key in ("ref", "id"):
        if key in data:
            raise InputError(Problem(located.file, located.line_of((key,)), key,
                                     'a case reference goes in an envelope: {"ref": "sak-17", "assessment": {…}}',
                                     message_nb='en saksreferanse står i en konvolutt: {"ref": "sak-17", "assessment": {…}}'))
    return located, None


def run_record(engine: Engine, record: Record, compact: bool = False, lang: str = "en") -> tuple[bool, bytes]:
    """(ok, output line as UTF-8 without newline) for one record; never raises on bad input.

    Error messages are in ``lang`` (nb or en). An envelope's reference
    (:func:`unwrap`) comes back in the output record, with the strategy or
    the error.

    Bytes, not text: the line is encoded once, in the worker, and the main
    process (which on two cores competes with the workers for CPU) only
    copies it to the output file. Whatever goes wrong with one record
    becomes that record's error (an unexpected failure is named by its
    type only, never with the input), so the run goes on.
    """
    head: dict[str, Any] = {"line": record.line}
    if record.file is not None:
        head["file"] = record.file
    name = record.file or f"line {record.line}"
    try:
        if record.unreadable is not None:
            raise InputError(Problem(name, None, "", f"cannot read the file: {record.unreadable}" if record.file else record.unreadable))
        try:
            located = read_bytes(record.raw, name, as_json=record.file is None or record.file.endswith(".json"))
        except SourceError as exc:
            raise InputError(exc.problem) from None
        located, ref = unwrap(located)
        if ref is not None:
            head["ref"] = ref
        strategy = engine.assess(assessment_from_located(located))
    except InputError as exc:
        problems = [{"path": p.path, "line": p.line, "message": p.message_in(lang)} for p in exc.problems]
        return False, json.dumps({**head, "error": {"kind": "input", "problems": problems}}, ensure_ascii=False).encode()
    except Exception as exc:  # noqa: BLE001 - one record's failure is that record's error
        message = str(exc) if isinstance(exc, IbpError) else f"internal error ({type(exc).__name__})"
        internal = {"kind": "internal", "problems": [{"path": "", "line": None, "message": message}]}
        return False, json.dumps({**head, "error": internal}, ensure_ascii=False).encode()
    body = strategy.to_json_line(compact)
    prefix = json.dumps(head, ensure_ascii=False)[:-1].encode()
    return True, prefix + b', "strategy": ' + body + b"}"


def run_chunk(engine: Engine, records: list[Record], compact: bool = False, lang: str = "en") -> tuple[int, int, bytes]:
    """(ok, failed, the output lines as one UTF-8 block) for consecutive records."""
    ok = 0
    lines = []
    for record in records:
        good, line = run_record(engine, record, compact, lang)
        ok += good
        lines.append(line)
    return ok, len(records) - ok, b"\n".join(lines) + b"\n"


def _run_chunk_in_worker(records: list[Record]) -> tuple[int, int, bytes]:
    if _ENGINE_FAILURE is not None:
        raise EngineError(_ENGINE_FAILURE)
    assert _ENGINE is not None
    return run_chunk(_ENGINE, records, _COMPACT, _LANG)


def _windows(records: Iterable[Record | _Flush], size: int) -> Iterator[list[Record]]:
    """Records in lists of ``size``; a :data:`FLUSH` ends a list early (the input has no more for now)."""
    window: list[Record] = []
    for r in records:
        if isinstance(r, _Flush):
            if window:
                yield window
                window = []
            continue
        window.append(r)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


_END = object()


def _read_ahead(chunks: Iterator[list[Record]], stop: threading.Event, depth: int) -> Iterator[list[Record]]:
    """The chunks, read by a daemon thread into a bounded queue.

    The pool's task thread must never block in a read it cannot leave (a
    pipe whose writer is slow): stopping the pool waits for that thread. A
    reading error is raised where the chunks are consumed.
    """
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def reader() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put(exc)
            return
        put(_END)

    threading.Thread(target=reader, name="ibp-batch-reader", daemon=True).start()
    while not stop.is_set():
        try:
            item = q.get(timeout=_POLL)
        except queue.Empty:
            continue
        if item is _END:
            return
        if isinstance(item, BaseException):
            raise item
        yield item


_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _block_stop_signals() -> set[int | signal.Signals] | None:
    """Hold SIGINT/SIGTERM back while worker processes start; returns the old mask.

    A worker forked at the moment Ctrl-C arrives would otherwise run the
    parent's handler; with the signals blocked the worker inherits the block,
    installs its own dispositions and only then unblocks (see
    :func:`_init_worker`). Signals that arrive meanwhile reach the parent
    when :func:`_restore_signals` ends the block.
    """
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)


def _restore_signals(old: set[int | signal.Signals] | None) -> None:
    if old is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def run_batch(engine: Engine, records: Iterable[Record | _Flush], write: Callable[[bytes], None], workers: int = 1,
              progress: Callable[[int], None] | None = None, compact: bool = False,
              start_method: str | None = None, lang: str = "en") -> Summary:
    """Assess every record and ``write`` its output line, in input order.

    ``write`` receives blocks of whole lines (UTF-8, newline-terminated),
    one block per chunk of :data:`CHUNK` records, or fewer where the input
    says :data:`FLUSH` (see :func:`read_stream`). Error messages are in
    ``lang``. ``start_method`` picks how
    workers start (default: *fork* where it exists, else *spawn*). An
    exception in the caller's thread (Ctrl-C, a failing ``write``) stops the
    workers and the reading before it propagates.
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
        with batch_collector():
            for chunk in _windows(records, CHUNK):
                emit(*run_chunk(engine, chunk, compact, lang))
        return summary
    method = start_method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    ctx = mp.get_context(method)
    shipped: Engine | EngineRecipe = engine if method == "fork" else EngineRecipe(engine.ruleset.roots, engine.ruleset.sha256)
    stop = threading.Event()
    # Pool.imap reads its whole input ahead; a semaphore bounds the chunks in
    # flight, so memory stays flat while reading, computing and writing overlap.
    in_flight = threading.BoundedSemaphore(max(1, WINDOW // CHUNK))

    def feed() -> Iterator[list[Record]]:
        for chunk in _read_ahead(_windows(records, CHUNK), stop, 4):
            while not in_flight.acquire(timeout=_POLL):
                if stop.is_set():
                    return
            yield chunk

    old_mask = _block_stop_signals()
    try:
        pool = ctx.Pool(workers, initializer=_init_worker, initargs=(shipped, compact, lang))
    except BaseException:
        _restore_signals(old_mask)
        raise
    with pool:  # leaving it for any reason (Ctrl-C, a failing write) terminates the workers
        _widen_result_pipe(pool)
        try:
            _restore_signals(old_mask)  # a signal held back is raised here, inside the pool's care
            for result in pool.imap(_run_chunk_in_worker, feed()):
                emit(*result)
                in_flight.release()
        finally:
            stop.set()  # lets the pool's task thread leave feed() before the pool is terminated
    return summary


#: bytes the pipe that brings results back may hold (Linux's default is 64 KiB)
RESULT_PIPE_BYTES = 1 << 20


def _widen_result_pipe(pool: Any) -> None:
    """Let the pipes that bring blocks of output lines back (and records out) hold a whole block.

    A block of 64 strategies is about 2 MB; through a 64 KiB pipe it goes in
    32 turns between a worker and the main process, and measured on two
    cores that cost the main process about as much CPU time again as
    writing the output (0.63 GB: 1.0 s instead of 2.0 s, most of it in the
    kernel). Best effort: Linux only, and never above what the system allows.
    """
    try:
        import fcntl

        limit = min(RESULT_PIPE_BYTES, int(Path("/proc/sys/fs/pipe-max-size").read_text()))
        # the result queue's read end and the task queue's write end (CPython's Pool)
        for end in (pool._outqueue._reader, pool._inqueue._writer):
            fcntl.fcntl(end.fileno(), fcntl.F_SETPIPE_SZ, limit)
    except (ImportError, AttributeError, OSError, ValueError):
        pass


# -- output: OUTPUT.partial until complete, and resuming ------------------------

def partial_path(output: Path) -> Path:
    """Where a run writes until it is complete: ``OUTPUT.partial``."""
    return output.with_name(output.name + PARTIAL_SUFFIX)


def same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` are one file (also through symbolic or hard links)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return target_of(a) == target_of(b)


class ResumeError(InputError):
    """A partial output that cannot be continued with this input, rules or options."""

    summary = {"en": "cannot resume", "nb": "kan ikke fortsette"}


@dataclass
class Done:
    """What a partial output already holds."""

    summary: Summary
    #: the input line (or folder position) of the last record written; 0 = none
    last_line: int = 0
    #: the file name of that record (folder input)
    last_file: str | None = None


def _resume_problem(path: Path, en: str, nb: str) -> ResumeError:
    return ResumeError(Problem(str(path), None, "", en, message_nb=nb))


def scan_partial(path: Path, engine: Engine, compact: bool) -> Done:
    """Count what ``path`` holds and cut off a last line that was being written.

    Refuses (:class:`ResumeError`) a file whose strategies come from another
    ruleset or engine version, or were written with the other ``compact``
    setting: one output file must not mix them.
    """
    done = Done(Summary())
    good_end = 0
    checked = False
    drop = {k for k, v in COMPACT_EXCLUDE.items() if v is True}
    with path.open("r+b") as f:
        for raw in f:
            if not raw.endswith(b"\n"):
                break  # a line cut off by the stop: written again
            try:
                record = json.loads(raw)
                line = record["line"]
            except (ValueError, KeyError, TypeError):
                raise _resume_problem(path, f"line {done.summary.total + 1} is not a batch output record",
                                      f"linje {done.summary.total + 1} er ikke en post fra ibp batch") from None
            if "strategy" in record:
                done.summary.ok += 1
                if not checked:
                    checked = True
                    st = record["strategy"]
                    if ((st.get("ruleset") or {}).get("sha256"), (st.get("engine") or {}).get("version"), st.get("schema_version")) != \
                            (engine.ruleset.sha256, __version__, STRATEGY_SCHEMA_VERSION):
                        raise _resume_problem(path, "it was written with other rules or another ibp version; start again without --resume",
                                              "den ble skrevet med andre regler eller en annen ibp-versjon; start på nytt uten --resume")
                    if drop and bool(drop & set(st)) == compact:
                        raise _resume_problem(path, "it was written " + ("without" if compact else "with") + " --compact; use the same setting",
                                              "den ble skrevet " + ("uten" if compact else "med") + " --compact; bruk samme valg")
            else:
                done.summary.failed += 1
            done.summary.total += 1
            done.last_line, done.last_file = int(line), record.get("file")
            good_end += len(raw)
        f.truncate(good_end)
    return done


def skip_done(records: Iterable[Record | _Flush], done: Done, source: Path) -> Iterator[Record | _Flush]:
    """The records after those a partial output already holds (a :data:`FLUSH` passes through).

    For a folder, the file at the last position must still be the one
    written there (a file added or removed since would shift every record).
    """
    for r in records:
        if isinstance(r, _Flush):
            yield r
            continue
        if r.line < done.last_line:
            continue
        if r.line == done.last_line:
            if done.last_file is not None and r.file != done.last_file:
                raise _resume_problem(source, "the folder changed since the partial run (files added or removed); start again without --resume",
                                      "mappen er endret siden den avbrutte kjøringen (filer lagt til eller fjernet); start på nytt uten --resume")
            continue
        yield r


class BatchOutput:
    """A batch's output file: ``OUTPUT.partial`` while running, ``OUTPUT`` when complete.

    Only whole lines are ever in the partial file once a block is written,
    it is ``fsync``-ed when the run stops, and it is locked against a second
    run writing the same output at the same time.
    """

    def __init__(self, output: Path, engine: Engine, compact: bool = False, resume: bool = False) -> None:
        """Open ``OUTPUT.partial``: emptied for a new run; with ``resume``,
        checked and continued (:attr:`done` says what it already holds).

        Raises :class:`~ibp_rules.errors.OutputError` (path named) if it
        cannot be written, and :class:`ResumeError` if it cannot be continued.
        """
        self.shown = output
        self.target = target_of(output)
        self.partial = partial_path(self.target)
        self.shown_partial = partial_path(output)
        resuming = resume and self.partial.is_file()
        try:
            self._file = Beside(self.target, self.partial.name, "append" if resuming else "open")
        except OSError as exc:
            raise output_error(output, exc) from None
        self._lock()
        try:
            if resuming:
                self.done = scan_partial(self.partial, engine, compact)
            else:
                self._file.file.truncate(0)  # only now: a locked file belongs to a run still going
                self.done = Done(Summary())
        except BaseException:
            self._file.file.close()
            raise
        #: the records in the partial file (those before this run and since)
        self.lines = self.done.summary.total

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Windows
            return
        try:
            fcntl.flock(self._file.file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.file.close()
            raise OutputError(Problem(str(self.shown), None, "", "another ibp batch is writing this output now",
                                      message_nb="en annen ibp batch skriver til denne filen nå")) from None

    def write(self, block: bytes) -> None:
        try:
            self._file.file.write(block)
            self._file.file.flush()  # whole blocks reach the file at once, so a crash leaves whole lines
        except OSError as exc:
            raise output_error(self.shown, exc) from None
        self.lines += block.count(b"\n")

    def finish(self) -> None:
        """Everything is written: rename ``OUTPUT.partial`` to ``OUTPUT``."""
        try:
            self._file.commit(self.target)
        except OSError as exc:
            raise output_error(self.shown, exc) from None

    def keep(self, has_records: bool) -> None:
        """The run stopped early: keep the partial file (durably), or remove it if it holds nothing."""
        try:
            self._file.sync()
        except OSError:
            pass
        if has_records:
            with contextlib.suppress(OSError):
                self._file.file.close()
            fsync_folder(self.partial.parent)
        else:
            self._file.discard()
