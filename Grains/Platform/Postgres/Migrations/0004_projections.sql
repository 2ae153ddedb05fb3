-- The read model behind lists, search and export (Grains/Projections/PostgresProjectionStore.cs).
--
-- One row per resource, written by its grain after each persisted change; the row with the higher
-- version wins (INSERT .. ON CONFLICT .. WHERE version < EXCLUDED.version), so a late write never
-- replaces a newer one. Every query is inside one (partition, resource_type): partition is
-- "tenant:environment", so another tenant's or environment's rows are never read.
--
-- Lists are newest first: ORDER BY created_at DESC, id DESC (or updated_at). The id breaks ties, so the
-- order is total and keyset cursors "(created_at, id) < (@at, @id)" neither skip nor repeat rows that
-- share a timestamp. The btree indexes below match those orders exactly (an index scan in index order,
-- no sort, LIMIT stops early), with and without the status filter.
--
--  * Text key columns use COLLATE "C": byte comparisons (cheap, and the same as the in-memory store's
--    ordinal order for ids), independent of the database's locale.
--  * document is text, not jsonb: the grain's JSON comes back byte for byte (jsonb reorders keys), and
--    nothing queries inside it (encrypted fields stay encrypted).
--  * filters is jsonb matched with @> (exact values), served by a jsonb_path_ops GIN index when selective.
--  * search_tokens are opaque blind-index tokens, matched with @> (all must be present) through GIN.
--  * amount is the optional money value for min/max range filters.
--
-- Totals: count(*) over 100,000 rows costs 15-20 ms even as an index-only scan, the whole latency budget
-- of a list. So resource_projection_count keeps the number of rows per (partition, resource_type, status),
-- maintained by statement-level triggers in the writing transaction (exact, never drifts), and the store
-- reads totals from it when a list is filtered by status alone or not at all. Other filters count rows.
-- Each counter is split into stripes by writing backend (pg_backend_pid() % 16) so concurrent writers in
-- one tenant rarely wait for the same counter row; a total is the sum of at most 16 rows per status.

CREATE TABLE IF NOT EXISTS resource_projection
(
    partition     text COLLATE "C" NOT NULL,
    resource_type text COLLATE "C" NOT NULL,
    id            text COLLATE "C" NOT NULL,
    version       bigint           NOT NULL,
    status        text COLLATE "C" NOT NULL,
    created_at    timestamptz      NOT NULL,
    updated_at    timestamptz      NOT NULL,
    filters       jsonb            NOT NULL DEFAULT '{}',
    search_tokens text[]           NOT NULL DEFAULT '{}',
    document      text             NOT NULL,
    amount        numeric,
    CONSTRAINT resource_projection_pk PRIMARY KEY (partition, resource_type, id)
);

CREATE INDEX IF NOT EXISTS resource_projection_created_ix
    ON resource_projection (partition, resource_type, created_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS resource_projection_updated_ix
    ON resource_projection (partition, resource_type, updated_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS resource_projection_status_created_ix
    ON resource_projection (partition, resource_type, status, created_at DESC, id DESC);

CREATE INDEX IF NOT EXISTS resource_projection_search_ix
    ON resource_projection USING gin (search_tokens);

CREATE INDEX IF NOT EXISTS resource_projection_filters_ix
    ON resource_projection USING gin (filters jsonb_path_ops);

CREATE TABLE IF NOT EXISTS resource_projection_count
(
    partition     text COLLATE "C" NOT NULL,
    resource_type text COLLATE "C" NOT NULL,
    status        text COLLATE "C" NOT NULL,
    stripe        smallint         NOT NULL,
    n             bigint           NOT NULL,
    CONSTRAINT resource_projection_count_pk PRIMARY KEY (partition, resource_type, status, stripe)
);

-- Applies one statement's changes: +1 per new row, -1 per old row (an update that keeps the status nets to
-- zero and writes nothing). Counter rows are written in key order, so two writers never deadlock on them.
CREATE OR REPLACE FUNCTION resource_projection_count_apply() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    stripe_of_writer smallint := (pg_backend_pid() % 16)::smallint;
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO resource_projection_count AS c (partition, resource_type, status, stripe, n)
        SELECT partition, resource_type, status, stripe_of_writer, count(*)
        FROM new_rows GROUP BY partition, resource_type, status ORDER BY partition, resource_type, status
        ON CONFLICT (partition, resource_type, status, stripe) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO resource_projection_count AS c (partition, resource_type, status, stripe, n)
        SELECT partition, resource_type, status, stripe_of_writer, -count(*)
        FROM old_rows GROUP BY partition, resource_type, status ORDER BY partition, resource_type, status
        ON CONFLICT (partition, resource_type, status, stripe) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        INSERT INTO resource_projection_count AS c (partition, resource_type, status, stripe, n)
        SELECT partition, resource_type, status, stripe_of_writer, sum(delta)
        FROM (SELECT partition, resource_type, status, 1 AS delta FROM new_rows
              UNION ALL
              SELECT partition, resource_type, status, -1 FROM old_rows) AS changes
        GROUP BY partition, resource_type, status HAVING sum(delta) <> 0 ORDER BY partition, resource_type, status
        ON CONFLICT (partition, resource_type, status, stripe) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END
$fn$;

DROP TRIGGER IF EXISTS resource_projection_count_insert ON resource_projection;
CREATE TRIGGER resource_projection_count_insert AFTER INSERT ON resource_projection
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resource_projection_count_apply();

DROP TRIGGER IF EXISTS resource_projection_count_update ON resource_projection;
CREATE TRIGGER resource_projection_count_update AFTER UPDATE ON resource_projection
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION resource_projection_count_apply();

DROP TRIGGER IF EXISTS resource_projection_count_delete ON resource_projection;
CREATE TRIGGER resource_projection_count_delete AFTER DELETE ON resource_projection
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION resource_projection_count_apply();
