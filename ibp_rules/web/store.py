"""The case store: a case kept over months, in one SQLite file.

IBP work runs over months, so a case is kept as a linear history of
*versions*. Each version is a whole snapshot: the assessment, the strategy
made from it (with the engine and ruleset that made it), and the people's
decisions. A new assessment or new decisions make a new version, and each
save names the version it was based on: a save based on an older version is
refused with :class:`VersionConflict` (what changed since), never written
over a colleague's work. Notes are appended; a draft holds what is being
typed, so a closed tab or a crash loses nothing already entered.

Storage habits, each for a reason:

* the standard library's :mod:`sqlite3`, WAL mode (readers never block the
  writer; several server processes can share the file), ``synchronous=FULL``
  (an acknowledged save survives a crash of the process or the machine);
* every change is one transaction, taken with ``BEGIN IMMEDIATE`` so the
  based-on check and the write cannot interleave with another writer;
* the folder is created 0700 and the database 0600 (SQLite gives its -wal and
  -shm files the database's mode); an existing folder that others can read
  is refused: health data is a special category;
* ``secure_delete`` overwrites deleted content, and a delete ends with a
  truncating checkpoint, so a deleted case is gone from every file; temporary
  tables stay in memory, never in a temp file;
* numbered migrations (``migrations/NNNN_*.sql``), applied in order, each in
  its own transaction with ``PRAGMA user_version``; a database from a newer
  release is refused rather than misread.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ibp_rules.errors import IbpError

from ..refs import check_reference

DB_NAME = "cases.db"
MIGRATIONS = Path(__file__).with_name("migrations")
DRAFT_KINDS = ("assessment", "decisions", "note")


class StoreError(IbpError):
    """The case store cannot do what was asked (the message names no case content)."""


class CaseNotFound(StoreError):
    def __init__(self) -> None:
        super().__init__("no case with this reference")


class CaseExists(StoreError):
    def __init__(self) -> None:
        super().__init__("a case with this reference exists already")


class VersionNotFound(StoreError):
    def __init__(self, number: int) -> None:
        self.number = number
        super().__init__(f"the case has no version {number}")


class NoAssessment(StoreError):
    def __init__(self) -> None:
        super().__init__("the case has no assessment yet; save one first")


class VersionConflict(StoreError):
    """A save based on a version that is no longer the newest."""

    def __init__(self, based_on: int, current: int, since: list[VersionMeta]) -> None:
        self.based_on, self.current, self.since = based_on, current, since
        super().__init__(f"the save was based on version {based_on}, but the case is at version {current}")


@dataclass(frozen=True)
class NewVersion:
    """What the web layer computed for a new assessment version."""

    assessment: str
    strategy: str
    engine_version: str
    ruleset_id: str
    ruleset_version: str
    ruleset_sha256: str
    summary: str


@dataclass(frozen=True)
class VersionMeta:
    """A version without its documents (for lists and conflicts)."""

    number: int
    based_on: int
    kind: str
    created_at: str
    ruleset_sha256: str
    summary: str


@dataclass(frozen=True)
class Version(VersionMeta):
    assessment: str
    strategy: str
    decisions: str
    engine_version: str
    ruleset_id: str
    ruleset_version: str


@dataclass(frozen=True)
class Case:
    ref: str
    created_at: str
    updated_at: str
    current_version: int


@dataclass(frozen=True)
class CaseRow:
    """A case as the list of cases shows it."""

    ref: str
    updated_at: str
    current_version: int
    summary: str
    #: the current version carries the people's decisions
    decided: bool
    #: an assessment is being typed (a draft is kept)
    drafting: bool


@dataclass(frozen=True)
class Note:
    id: int
    version: int
    created_at: str
    text: str


@dataclass(frozen=True)
class Draft:
    kind: str
    based_on: int
    updated_at: str
    data: str


_META_COLUMNS = "number, based_on, kind, created_at, ruleset_sha256, summary"
_VERSION_COLUMNS = _META_COLUMNS + ", assessment, strategy, decisions, engine_version, ruleset_id, ruleset_version"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def private_folder(folder: Path) -> Path:
    """``folder``, created 0700; refused when others may read or enter it."""
    folder = folder.expanduser()
    if not folder.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(folder, 0o700)  # mkdir's mode is masked by the umask
    if not folder.is_dir():
        raise StoreError(f"the data folder {folder} is not a folder")
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        raise StoreError(f"the data folder {folder} can be read by others (mode {mode:04o}); "
                         f"use a private folder, or make it private with: chmod 700 {folder}")
    return folder


def migrations() -> list[tuple[int, str, str]]:
    """(number, name, SQL) of every migration, in order; numbers run 1, 2, 3 …"""
    found = []
    for path in sorted(MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.sql")):
        found.append((int(path.name[:4]), path.stem, path.read_text(encoding="utf-8")))
    if [n for n, _, _ in found] != list(range(1, len(found) + 1)):
        raise StoreError("the store's migrations are not numbered 1, 2, 3 … (a packaging error)")
    return found


def _statements(sql: str) -> Iterator[str]:
    """The statements of a migration script, one by one (``executescript``
    would commit the transaction we hold)."""
    buffer = ""
    for line in sql.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer
            buffer = ""
    if buffer.strip() and not all(part.strip().startswith("--") or not part.strip() for part in buffer.splitlines()):
        raise StoreError("a migration ends with an incomplete statement (a packaging error)")


class CaseStore:
    """Cases, their versions, notes and drafts in ``folder/cases.db``.

    Safe to use from many threads (each gets its own connection) and from
    several processes (SQLite's locks; writers wait up to ``busy_ms``).
    """

    def __init__(self, folder: Path, busy_ms: int = 10_000) -> None:
        self.folder = private_folder(Path(folder))
        self.path = self.folder / DB_NAME
        self._busy_ms = busy_ms
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        #: a delete whose truncating checkpoint a reader held off: retried after each write
        self._purge_pending = False
        if not self.path.exists():
            with contextlib.suppress(FileExistsError):
                os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        self._migrate()

    # -- connections and transactions ------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=self._busy_ms / 1000, check_same_thread=False)
            for pragma in ("synchronous = FULL", "foreign_keys = ON", "secure_delete = ON", "temp_store = MEMORY",
                           f"busy_timeout = {self._busy_ms}"):
                conn.execute(f"PRAGMA {pragma}")
            self._use_wal(conn)
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _use_wal(self, conn: sqlite3.Connection) -> None:
        """Switch a new database to WAL (it stays so in the file).

        Switching needs the database to itself, and SQLite answers "locked"
        at once (no busy wait) while another connection opens it at the same
        moment, as several server processes starting together do: retry
        until the busy timeout.
        """
        deadline = time.monotonic() + self._busy_ms / 1000
        while conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            try:
                conn.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    @contextlib.contextmanager
    def _transaction(self, write: bool) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        if write and self._purge_pending:
            self._purge_pending = not self.checkpoint(0)

    def close(self) -> None:
        """Close every connection this store opened (at server shutdown),
        emptying the write-ahead log first if a delete is still to be purged."""
        if self._purge_pending:
            with contextlib.suppress(sqlite3.Error):
                self.checkpoint(1.0)
        with self._lock:
            for conn in self._connections:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            self._connections.clear()
        self._local = threading.local()

    def _migrate(self) -> None:
        known = migrations()
        conn = self._conn()
        for number, _name, sql in known:
            with self._transaction(write=True):
                done = conn.execute("PRAGMA user_version").fetchone()[0]
                if done > len(known):
                    raise StoreError(f"the case store {self.path} was written by a newer release of ibp-rules "
                                     f"(schema {done}; this release knows up to {len(known)}); upgrade ibp-rules")
                if done >= number:
                    continue
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        return int(self._conn().execute("PRAGMA user_version").fetchone()[0])

    # -- reading -----------------------------------------------------------------

    @staticmethod
    def _case_id(conn: sqlite3.Connection, ref: str) -> tuple[int, Case]:
        row = conn.execute("SELECT id, ref, created_at, updated_at, current_version FROM cases WHERE ref = ?", (ref,)).fetchone()
        if row is None:
            raise CaseNotFound()
        return row[0], Case(*row[1:])

    def cases(self) -> list[tuple[Case, VersionMeta | None]]:
        """Every case, most recently changed first, with its current version."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                f"SELECT c.ref, c.created_at, c.updated_at, c.current_version, {', '.join('v.' + c.strip() for c in _META_COLUMNS.split(','))} "
                "FROM cases c LEFT JOIN versions v ON v.case_id = c.id AND v.number = c.current_version "
                "ORDER BY c.updated_at DESC, c.ref").fetchall()
        return [(Case(*r[:4]), VersionMeta(*r[4:]) if r[4] is not None else None) for r in rows]

    def overview(self) -> list[CaseRow]:
        """Every case for the list, most recently changed first."""
        with self._transaction(write=False) as conn:
            rows = conn.execute(
                "SELECT c.ref, c.updated_at, c.current_version, COALESCE(v.summary, '{}'), "
                "COALESCE(v.decisions NOT IN ('{}', '{\"measures\":{},\"own\":[]}'), 0), "
                "EXISTS (SELECT 1 FROM drafts d WHERE d.case_id = c.id AND d.kind = 'assessment') "
                "FROM cases c LEFT JOIN versions v ON v.case_id = c.id AND v.number = c.current_version "
                "ORDER BY c.updated_at DESC, c.ref").fetchall()
        return [CaseRow(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5])) for r in rows]

    def case(self, ref: str) -> tuple[Case, list[VersionMeta], list[Note], list[Draft]]:
        """A case with the list of its versions (oldest first), notes and drafts."""
        with self._transaction(write=False) as conn:
            cid, case = self._case_id(conn, ref)
            versions = [VersionMeta(*r) for r in conn.execute(
                f"SELECT {_META_COLUMNS} FROM versions WHERE case_id = ? ORDER BY number", (cid,))]
            notes = [Note(*r) for r in conn.execute("SELECT id, version, created_at, text FROM notes WHERE case_id = ? ORDER BY id", (cid,))]
            drafts = [Draft(*r) for r in conn.execute(
                "SELECT kind, based_on, updated_at, data FROM drafts WHERE case_id = ? ORDER BY kind", (cid,))]
        return case, versions, notes, drafts

    def version(self, ref: str, number: int | None = None) -> Version:
        """One version (the current one when ``number`` is None)."""
        with self._transaction(write=False) as conn:
            cid, case = self._case_id(conn, ref)
            if number is None:
                if case.current_version == 0:
                    raise NoAssessment()
                number = case.current_version
            row = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE case_id = ? AND number = ?", (cid, number)).fetchone()
        if row is None:
            raise VersionNotFound(number)
        return Version(*row)

    def versions(self, ref: str) -> list[Version]:
        """Every version of a case with its documents (for an export)."""
        with self._transaction(write=False) as conn:
            cid, _ = self._case_id(conn, ref)
            return [Version(*r) for r in conn.execute(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE case_id = ? ORDER BY number", (cid,))]

    def draft(self, ref: str, kind: str) -> Draft | None:
        with self._transaction(write=False) as conn:
            cid, _ = self._case_id(conn, ref)
            row = conn.execute("SELECT kind, based_on, updated_at, data FROM drafts WHERE case_id = ? AND kind = ?", (cid, kind)).fetchone()
        return Draft(*row) if row else None

    # -- writing -----------------------------------------------------------------

    @staticmethod
    def _insert_version(conn: sqlite3.Connection, cid: int, number: int, based_on: int, kind: str, now: str, new: NewVersion,
                        decisions: str) -> None:
        conn.execute(
            f"INSERT INTO versions (case_id, {_VERSION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cid, number, based_on, kind, now, new.ruleset_sha256, new.summary, new.assessment, new.strategy, decisions,
             new.engine_version, new.ruleset_id, new.ruleset_version))
        conn.execute("UPDATE cases SET current_version = ?, updated_at = ? WHERE id = ?", (number, now, cid))

    @staticmethod
    def _check_based_on(conn: sqlite3.Connection, cid: int, case: Case, based_on: int) -> None:
        if based_on != case.current_version:
            since = [VersionMeta(*r) for r in conn.execute(
                f"SELECT {_META_COLUMNS} FROM versions WHERE case_id = ? AND number > ? ORDER BY number", (cid, based_on))]
            raise VersionConflict(based_on, case.current_version, since)

    def create(self, ref: str, first: NewVersion | None = None) -> Case:
        """A new case, with its first assessment when one is given."""
        check_reference(ref)
        now = _now()
        with self._transaction(write=True) as conn:
            try:
                cid = conn.execute("INSERT INTO cases (ref, created_at, updated_at) VALUES (?, ?, ?)", (ref, now, now)).lastrowid
            except sqlite3.IntegrityError:
                raise CaseExists() from None
            assert cid is not None
            if first is not None:
                self._insert_version(conn, cid, 1, 0, "assessment", now, first, "{}")
        return Case(ref, now, now, 1 if first is not None else 0)

    def save_assessment(self, ref: str, based_on: int, new: NewVersion) -> Version:
        """A new version with a new assessment; the decisions so far carry over."""
        now = _now()
        with self._transaction(write=True) as conn:
            cid, case = self._case_id(conn, ref)
            self._check_based_on(conn, cid, case, based_on)
            row = conn.execute("SELECT decisions FROM versions WHERE case_id = ? AND number = ?", (cid, based_on)).fetchone()
            decisions = row[0] if row else "{}"
            number = case.current_version + 1
            self._insert_version(conn, cid, number, based_on, "assessment", now, new, decisions)
            conn.execute("DELETE FROM drafts WHERE case_id = ? AND kind = 'assessment'", (cid,))
        return Version(number, based_on, "assessment", now, new.ruleset_sha256, new.summary, new.assessment, new.strategy,
                       decisions, new.engine_version, new.ruleset_id, new.ruleset_version)

    def save_decisions(self, ref: str, based_on: int, decisions: str) -> Version:
        """A new version with the people's decisions on the current assessment and strategy."""
        now = _now()
        with self._transaction(write=True) as conn:
            cid, case = self._case_id(conn, ref)
            self._check_based_on(conn, cid, case, based_on)
            if case.current_version == 0:
                raise NoAssessment()
            row = conn.execute(f"SELECT {_VERSION_COLUMNS} FROM versions WHERE case_id = ? AND number = ?", (cid, based_on)).fetchone()
            old = Version(*row)
            new = NewVersion(old.assessment, old.strategy, old.engine_version, old.ruleset_id, old.ruleset_version,
                             old.ruleset_sha256, old.summary)
            number = case.current_version + 1
            self._insert_version(conn, cid, number, based_on, "decisions", now, new, decisions)
            conn.execute("DELETE FROM drafts WHERE case_id = ? AND kind = 'decisions'", (cid,))
        return Version(number, based_on, "decisions", now, old.ruleset_sha256, old.summary, old.assessment, old.strategy,
                       decisions, old.engine_version, old.ruleset_id, old.ruleset_version)

    def add_note(self, ref: str, text: str) -> Note:
        """Append a note to the case's current version (notes never conflict)."""
        now = _now()
        with self._transaction(write=True) as conn:
            cid, case = self._case_id(conn, ref)
            nid = conn.execute("INSERT INTO notes (case_id, version, created_at, text) VALUES (?, ?, ?, ?)",
                               (cid, case.current_version, now, text)).lastrowid
            conn.execute("DELETE FROM drafts WHERE case_id = ? AND kind = 'note'", (cid,))
            conn.execute("UPDATE cases SET updated_at = ? WHERE id = ?", (now, cid))
        assert nid is not None
        return Note(nid, case.current_version, now, text)

    def save_draft(self, ref: str, kind: str, based_on: int, data: str) -> Draft:
        """Keep what is being typed (replacing the previous draft of this kind).

        Never refused for being based on an older version: what was typed is
        kept, and the reader sees that the draft is stale.
        """
        if kind not in DRAFT_KINDS:
            raise StoreError(f"unknown draft kind; expected one of {', '.join(DRAFT_KINDS)}")
        now = _now()
        with self._transaction(write=True) as conn:
            cid, _ = self._case_id(conn, ref)
            conn.execute("INSERT INTO drafts (case_id, kind, based_on, updated_at, data) VALUES (?, ?, ?, ?, ?) "
                         "ON CONFLICT (case_id, kind) DO UPDATE SET based_on = excluded.based_on, "
                         "updated_at = excluded.updated_at, data = excluded.data", (cid, kind, based_on, now, data))
        return Draft(kind, based_on, now, data)

    def delete_draft(self, ref: str, kind: str) -> bool:
        with self._transaction(write=True) as conn:
            cid, _ = self._case_id(conn, ref)
            return conn.execute("DELETE FROM drafts WHERE case_id = ? AND kind = ?", (cid, kind)).rowcount > 0

    def delete(self, ref: str, purge_seconds: float = 5.0) -> bool:
        """Delete a case and everything in it, really.

        ``secure_delete`` zeroes the freed pages; the truncating checkpoint
        then moves them into the database and empties the write-ahead log,
        which still held the old pages. Returns False when another reader
        kept the log from being emptied within ``purge_seconds``; the store
        then tries again after each later write, and when it closes.
        """
        with self._transaction(write=True) as conn:
            if conn.execute("DELETE FROM cases WHERE ref = ?", (ref,)).rowcount == 0:
                raise CaseNotFound()
        purged = self.checkpoint(purge_seconds)
        self._purge_pending = not purged
        return purged

    def checkpoint(self, wait_seconds: float = 5.0) -> bool:
        """Move the write-ahead log into the database and truncate it
        (waiting up to ``wait_seconds`` for readers to finish)."""
        conn = self._conn()
        conn.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            conn.execute(f"PRAGMA busy_timeout = {self._busy_ms}")
        return not busy

    def integrity(self) -> str:
        """SQLite's own integrity check ("ok" when the file is sound)."""
        return str(self._conn().execute("PRAGMA integrity_check").fetchone()[0])
