-- Orleans ADO.NET grain persistence (Microsoft.Orleans.Persistence.AdoNet 10.4.2, invariant "Npgsql").
--
-- Contract (AdoNetGrainStorage): every query gets @GrainIdHash int, @GrainIdN0 bigint,
-- @GrainIdN1 bigint, @GrainTypeHash int, @GrainTypeString text, @GrainIdExtensionString text (NULL
-- when the key has no extension; the whole key for string-keyed grains), @ServiceId text; writes add
-- @GrainStateVersion int (NULL = "never stored") and @PayloadBinary bytea.
--  * read  -> at most one row: PayloadBinary (NULL = no state), Version.
--  * write -> NewGrainStateVersion; no row (or NULL) means the etag was stale and the provider throws
--             InconsistentStateException.
--  * clear / delete -> first column is the new etag; no row means stale etag (same exception).
--
-- Hot path design:
--  * One row per (service, grain type, grain id). The primary key leads with the two int hashes, so
--    btree descent compares integers and only touches the text columns on a hash match.
--  * Text key columns use COLLATE "C": equality is byte equality either way, but C comparisons are
--    memcmp instead of locale-aware collation calls.
--  * A missing key extension is stored as '' (not NULL) so the primary key is a real unique key for
--    ON CONFLICT and plain "=" lookups can use it.
--  * Updates only touch non-indexed columns and fillfactor leaves room on each page, so state writes
--    are HOT updates: no index maintenance on the hot path. No secondary indexes.
--  * Each operation is one statement (no PL/pgSQL), which Npgsql auto-prepares.
--  * version is int (the provider parses etags as int) and wraps to 1 after int.MaxValue.
-- Known gap, only with DeleteStateOnClear=true (we default to false, which keeps the row): if one
-- activation deletes the row while another still holds an older etag, the latter's next write
-- re-inserts the row instead of failing. Closing it would cost an extra index probe per write.
-- Limit: the key columns share one btree entry (max ~2.7 kB), so string grain keys must stay short.

CREATE TABLE IF NOT EXISTS orleans_storage
(
    grain_id_hash   integer          NOT NULL,
    grain_type_hash integer          NOT NULL,
    grain_id_n0     bigint           NOT NULL,
    grain_id_n1     bigint           NOT NULL,
    grain_type      text COLLATE "C" NOT NULL,
    grain_id_ext    text COLLATE "C" NOT NULL,
    service_id      text COLLATE "C" NOT NULL,
    payload         bytea,
    version         integer          NOT NULL,
    modified_on     timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT orleans_storage_pk PRIMARY KEY
        (grain_id_hash, grain_type_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_ext, service_id)
) WITH (fillfactor = 80);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

('ReadFromStorageKey', $q$
SELECT payload AS PayloadBinary, version AS Version
FROM orleans_storage
WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_type = @GrainTypeString AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
  AND service_id = @ServiceId;
$q$),

-- The hot path: one INSERT .. ON CONFLICT on the primary key.
--  * new grain (@GrainStateVersion NULL, no row): inserted with version 1.
--  * existing row and @GrainStateVersion equals its version: payload replaced, version + 1.
--  * stale etag, or NULL etag while a row exists (a second activation): the DO UPDATE's WHERE is
--    false, no row is returned, and the provider raises InconsistentStateException.
-- Measured on PG 15 this single upsert costs less CPU than an UPDATE/INSERT pair in CTEs.
('WriteToStorageKey', $q$
INSERT INTO orleans_storage AS s
    (grain_id_hash, grain_type_hash, grain_id_n0, grain_id_n1, grain_type, grain_id_ext, service_id, payload, version)
VALUES
    (@GrainIdHash, @GrainTypeHash, @GrainIdN0, @GrainIdN1, @GrainTypeString, COALESCE(@GrainIdExtensionString, ''),
     @ServiceId, @PayloadBinary, 1)
ON CONFLICT ON CONSTRAINT orleans_storage_pk DO UPDATE
SET payload = EXCLUDED.payload,
    version = CASE WHEN s.version = 2147483647 THEN 1 ELSE s.version + 1 END,
    modified_on = now()
WHERE s.version = @GrainStateVersion
RETURNING s.version AS NewGrainStateVersion;
$q$),

-- Clear keeping the row: payload becomes NULL (read reports "no record") and the version moves on,
-- so the grain keeps a valid etag.
('ClearStorageKey', $q$
UPDATE orleans_storage
SET payload = NULL,
    version = CASE WHEN version = 2147483647 THEN 1 ELSE version + 1 END,
    modified_on = now()
WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_type = @GrainTypeString AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
  AND service_id = @ServiceId
  AND version = @GrainStateVersion
RETURNING version;
$q$),

-- Clear with DeleteStateOnClear=true: removes the row. Returns a value that differs from the etag
-- (the provider treats "same as etag" as a conflict and then forgets the etag).
('DeleteStorageKey', $q$
DELETE FROM orleans_storage
WHERE grain_id_hash = @GrainIdHash AND grain_type_hash = @GrainTypeHash
  AND grain_id_n0 = @GrainIdN0 AND grain_id_n1 = @GrainIdN1
  AND grain_type = @GrainTypeString AND grain_id_ext = COALESCE(@GrainIdExtensionString, '')
  AND service_id = @ServiceId
  AND version = @GrainStateVersion
RETURNING version::bigint + 1 AS NewGrainStateVersion;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
