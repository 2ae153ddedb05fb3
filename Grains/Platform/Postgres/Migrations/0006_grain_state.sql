-- Grain state for our own storage provider (Grains/Platform/Postgres/Storage/PostgresGrainStorage.cs), the
-- default for cluster silos (Orleans:GrainStorage = Npgsql). orleans_storage (0002) stays for the stock
-- ADO.NET provider (Orleans:GrainStorage = AdoNet). The two tables are independent: nothing is copied between
-- them (orleans_storage does not record the grain type, so its rows could not be keyed here anyway).
--
-- One row per (grain key, grain type, state name, service). The grain type is part of the key, so two grain
-- classes using the same [PersistentState] name and grain key never share a row.
--  * version is the ETag: 1 on the first write, + 1 on every write and clear (bigint: never wraps). A writer
--    sends the version it read (0 when it saw no row); the upsert's DO UPDATE fires only when that matches,
--    otherwise no row comes back and the provider raises InconsistentStateException. A writer that saw no
--    row can therefore only insert.
--  * Clear keeps the row as a tombstone (payload NULL, version moved on) instead of deleting it, so a stale
--    activation cannot bring cleared state back by writing with an old version or none.
--  * Text key columns are COLLATE "C": equality is byte equality either way, and C compares with memcmp.
--    grain_key leads the primary key because it is the most selective column.
--  * Writes change only non-key columns and fillfactor leaves room on each page: HOT updates, no index
--    maintenance on the hot path. No other indexes.
CREATE TABLE IF NOT EXISTS grain_state
(
    grain_key   text COLLATE "C" NOT NULL,
    grain_type  text COLLATE "C" NOT NULL,
    state_name  text COLLATE "C" NOT NULL,
    service_id  text COLLATE "C" NOT NULL,
    payload     bytea,
    version     bigint           NOT NULL,
    modified_on timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT grain_state_pk PRIMARY KEY (grain_key, grain_type, state_name, service_id)
) WITH (fillfactor = 80);
