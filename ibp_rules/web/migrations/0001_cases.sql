-- The case store, first version.
--
-- A case is a coordinator-chosen reference and a linear history of versions.
-- Every version is a whole snapshot: the assessment, the strategy made from it
-- (with the engine and ruleset that made it: the audit trail) and the people's
-- decisions. A version is never changed after it is written; a new assessment
-- or new decisions make a new version, based on the one the person saw.
-- Notes are appended; drafts hold what is being typed and are replaced.

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    current_version INTEGER NOT NULL DEFAULT 0 CHECK (current_version >= 0)
);

CREATE TABLE versions (
    case_id         INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    number          INTEGER NOT NULL CHECK (number >= 1),
    based_on        INTEGER NOT NULL CHECK (based_on >= 0 AND based_on < number),
    kind            TEXT NOT NULL CHECK (kind IN ('assessment', 'decisions')),
    created_at      TEXT NOT NULL,
    assessment      TEXT NOT NULL,
    strategy        TEXT NOT NULL,
    decisions       TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    ruleset_id      TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_sha256  TEXT NOT NULL,
    summary         TEXT NOT NULL,
    PRIMARY KEY (case_id, number)
) WITHOUT ROWID;

CREATE TABLE notes (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    text       TEXT NOT NULL
);
CREATE INDEX notes_by_case ON notes(case_id, id);

CREATE TABLE drafts (
    case_id    INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('assessment', 'decisions', 'note')),
    based_on   INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    data       TEXT NOT NULL,
    PRIMARY KEY (case_id, kind)
) WITHOUT ROWID;
