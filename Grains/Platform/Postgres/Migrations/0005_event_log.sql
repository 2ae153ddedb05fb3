-- The tenant event log (Grains/Events/PostgresEventLogStore.cs).
--
-- One row per event in a partition ("tenant:environment"). event_sequence is strictly increasing per
-- partition with no gaps in commit order: an append first locks its partition's counter row in
-- event_log_counter (INSERT .. ON CONFLICT DO UPDATE), inserts its events with the next numbers and moves the
-- counter, all in one transaction. Concurrent appenders in a partition wait for that row lock, so they commit
-- in sequence order, and a rolled-back append also rolls back the counter (no holes). Event ids are unique
-- per partition: a repeated hand-off of the same event (at-least-once from the grains' outboxes) keeps the
-- first sequence and adds nothing.
--
-- Queries are "events after sequence N" in sequence order, optionally by type, status or creation time;
-- the primary key serves the plain case, the other indexes keep the filtered ones from reading other rows.
-- data is text, not jsonb, so the payload comes back byte for byte.

CREATE TABLE IF NOT EXISTS event_log_counter
(
    partition     text COLLATE "C" NOT NULL PRIMARY KEY,
    last_sequence bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS event_log
(
    partition  text COLLATE "C" NOT NULL,
    sequence   bigint NOT NULL,
    event_id   text COLLATE "C" NOT NULL,
    event_type text COLLATE "C" NOT NULL,
    status     text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL,
    data       text NOT NULL,
    CONSTRAINT event_log_pkey PRIMARY KEY (partition, sequence),
    CONSTRAINT event_log_event_id_key UNIQUE (partition, event_id)
);

CREATE INDEX IF NOT EXISTS event_log_by_type ON event_log (partition, event_type, sequence);
CREATE INDEX IF NOT EXISTS event_log_by_status ON event_log (partition, status, sequence);
CREATE INDEX IF NOT EXISTS event_log_by_created ON event_log (partition, created_at);
