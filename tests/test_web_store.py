"""The case store: private files, numbered migrations, no lost updates, deletes that are real."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from ibp_rules.refs import CaseReferenceError, check_reference, looks_like_national_id
from ibp_rules.web.store import (
    CaseExists,
    CaseNotFound,
    CaseStore,
    NewVersion,
    NoAssessment,
    StoreError,
    VersionConflict,
    migrations,
)

SENTINEL = "ZZSTORESENTINEL9"


def new_version(text: str = "x") -> NewVersion:
    return NewVersion(assessment=f'{{"mal": {{"fritekst": "{text}"}}}}', strategy='{"schema_version": 2}', engine_version="0",
                      ruleset_id="r", ruleset_version="1", ruleset_sha256="a" * 64, summary="{}")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_files_are_private(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "new" / "data")
    store.create("sak-1", new_version())
    assert mode(store.folder) == 0o700
    for name in ("cases.db", "cases.db-wal", "cases.db-shm"):
        assert mode(store.folder / name) == 0o600, name


def test_a_folder_others_can_read_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o755)
    with pytest.raises(StoreError, match="chmod 700"):
        CaseStore(shared)


def test_migrations_are_numbered_and_recorded(tmp_path: Path) -> None:
    found = migrations()
    assert [n for n, _, _ in found] == list(range(1, len(found) + 1))
    store = CaseStore(tmp_path / "d")
    assert store.schema_version == len(found)
    store.close()
    CaseStore(tmp_path / "d")  # opening again applies nothing twice


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "d")
    store.close()
    conn = sqlite3.connect(tmp_path / "d" / "cases.db")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer release"):
        CaseStore(tmp_path / "d")


def test_several_opening_at_once_migrate_once(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            CaseStore(tmp_path / "d").close()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_versions_and_conflicts(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "d")
    store.create("sak-1")
    with pytest.raises(CaseExists):
        store.create("sak-1")
    with pytest.raises(NoAssessment):
        store.save_decisions("sak-1", 0, "{}")
    v1 = store.save_assessment("sak-1", 0, new_version("a"))
    v2 = store.save_decisions("sak-1", 1, '{"measures": {"startlan": {"status": "valgt"}}}')
    assert (v1.number, v2.number, v2.assessment) == (1, 2, v1.assessment)
    with pytest.raises(VersionConflict) as conflict:
        store.save_assessment("sak-1", 1, new_version("b"))
    assert conflict.value.current == 2 and [v.number for v in conflict.value.since] == [2]
    v3 = store.save_assessment("sak-1", 2, new_version("c"))
    assert v3.decisions == v2.decisions  # decisions carry over
    case, versions, _, _ = store.case("sak-1")
    assert case.current_version == 3 and [v.based_on for v in versions] == [0, 1, 2]
    with pytest.raises(CaseNotFound):
        store.case("nobody")


def test_concurrent_saves_on_the_same_version_one_wins(tmp_path: Path) -> None:
    """No lost update: of many writers based on version 1, exactly one is accepted."""
    store = CaseStore(tmp_path / "d")
    store.create("sak-1", new_version())
    results: list[str] = []
    barrier = threading.Barrier(6)

    def save(i: int) -> None:
        barrier.wait()
        try:
            store.save_assessment("sak-1", 1, new_version(str(i)))
            results.append("ok")
        except VersionConflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["conflict"] * 5 + ["ok"]
    assert store.case("sak-1")[0].current_version == 2


def test_references() -> None:
    for ref in ("01019012345", "010190-12345", "010190 12345", "a01019012345b", "123456789012"):
        assert looks_like_national_id(ref), ref
    for ref in ("sak-17", "2025-0001234", "bodø-12", "0101901234"):
        assert not looks_like_national_id(ref), ref
    for ref in ("x" * 65, "", "a/b", "-start", "has space", "01019012345", 17):
        with pytest.raises(CaseReferenceError):
            check_reference(ref)
    assert check_reference("bodø-12") == "bodø-12"


def _files_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.iterdir()) if p.name.startswith("cases.db"))


def test_delete_leaves_nothing_in_the_files(tmp_path: Path) -> None:
    """After a delete, the sentinel is nowhere in the database, its log or its index."""
    store = CaseStore(tmp_path / "d")
    store.create("keep", new_version("other case"))
    store.create("gone", new_version(SENTINEL))
    store.save_assessment("gone", 1, new_version(SENTINEL + " again"))
    store.save_decisions("gone", 2, f'{{"measures": {{"startlan": {{"status": "valgt", "reason": "{SENTINEL}"}}}}}}')
    store.add_note("gone", f"note {SENTINEL}")
    store.save_draft("gone", "assessment", 3, f'{{"typed": "{SENTINEL}"}}')
    assert store.checkpoint()  # the content is in the database file itself now, not only in the log
    assert SENTINEL.encode() in (store.folder / "cases.db").read_bytes()  # the test can see it before
    assert store.delete("gone") is True
    assert SENTINEL.encode() not in _files_bytes(store.folder)
    store.close()
    assert SENTINEL.encode() not in _files_bytes(store.folder)
    reopened = CaseStore(tmp_path / "d")
    assert [c.ref for c, _ in reopened.cases()] == ["keep"]
    assert reopened.integrity() == "ok"


def test_without_secure_delete_the_content_would_stay(tmp_path: Path) -> None:
    """The control for the test above: SQLite builds differ in their default
    (this one may have it on), so turn it off and see the grep find what a
    plain delete leaves behind. The store sets it on itself, whatever the build."""
    store = CaseStore(tmp_path / "d")
    store.create("keep", new_version("other case"))
    store.create("gone", new_version(SENTINEL))
    store.checkpoint()
    assert store._conn().execute("PRAGMA secure_delete").fetchone()[0] == 1
    store._conn().execute("PRAGMA secure_delete = OFF")
    store.delete("gone")
    assert SENTINEL.encode() in (store.folder / "cases.db").read_bytes()


def test_delete_while_another_reader_holds_the_log(tmp_path: Path) -> None:
    """A reader in the middle of a transaction delays the purge; the next checkpoint completes it."""
    store = CaseStore(tmp_path / "d")
    store.create("gone", new_version(SENTINEL))
    reader = sqlite3.connect(store.path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM cases").fetchone()
    assert store.delete("gone", purge_seconds=0.2) is False
    reader.execute("COMMIT")
    reader.close()
    assert SENTINEL.encode() in _files_bytes(store.folder)  # still in the log, for now
    store.create("next")  # the next write finishes the purge
    assert SENTINEL.encode() not in _files_bytes(store.folder)


def test_drafts_notes_and_kinds(tmp_path: Path) -> None:
    store = CaseStore(tmp_path / "d")
    store.create("sak")
    store.save_draft("sak", "assessment", 0, '{"a": 1}')
    store.save_draft("sak", "assessment", 0, '{"a": 2}')
    draft = store.draft("sak", "assessment")
    assert draft is not None and draft.data == '{"a": 2}'
    with pytest.raises(StoreError):
        store.save_draft("sak", "other", 0, "{}")
    note = store.add_note("sak", "hei")
    assert note.version == 0 and store.case("sak")[2] == [note]
    assert store.delete_draft("sak", "assessment") and store.draft("sak", "assessment") is None
