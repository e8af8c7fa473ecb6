-- The access log: every answer of the server that handed someone volunteers' personal fields
-- (names, phone, household, guardian), with who, through what, for which scope, how many
-- people, and when by the server clock. Auditors list it.
--
-- One table for every kind of read, exports included, so that an auditor asking "who saw
-- whom" reads one list in one order. `export_log` stays as it is beside it: it is shipped,
-- `GET /v1/exports/log` answers from it, and it keeps export-only details (format, part,
-- flags) that would be empty columns here; an export writes a line to both, in one
-- transaction.
--
-- `kind` is what was read: 'review_queue', 'duplicates', 'export' or 'sync' (a device pulled
-- the keys that open entries it did not hold). It is not constrained, so that a new kind of
-- read needs no table rebuild. `scope` is the unit read (a constable's beats, a sync's
-- rosters, comma-separated); `query` holds the request's other filters as a query string.
CREATE TABLE access_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    badge TEXT NOT NULL,
    role TEXT NOT NULL,
    requested_via TEXT NOT NULL,
    kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    query TEXT NOT NULL,
    volunteers INTEGER NOT NULL CHECK (volunteers >= 0),
    at_ms INTEGER NOT NULL
);

-- Auditors ask for one officer's reads, or for a period; both pages run newest first.
CREATE INDEX access_log_by_badge ON access_log (badge, seq);
CREATE INDEX access_log_by_time ON access_log (at_ms, seq);

CREATE TRIGGER access_log_is_append_only_update BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;

CREATE TRIGGER access_log_is_append_only_delete BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'access_log is append-only');
END;
