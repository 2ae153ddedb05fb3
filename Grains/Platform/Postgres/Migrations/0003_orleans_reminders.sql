-- Orleans ADO.NET reminders (Microsoft.Orleans.Reminders.AdoNet 10.4.2, invariant "Npgsql").
--
-- Contract (RelationalOrleansQueries, reminders build): parameters @ServiceId text, @GrainId text
-- (GrainId.ToString()), @ReminderName text, @StartTime timestamptz (UTC), @Period int or bigint
-- milliseconds, @GrainHash int (the grain's uint uniform hash cast to int), @BeginHash/@EndHash int
-- (uint ring bounds cast to int), @Version int (etag). Reads return GrainId, ReminderName, StartTime,
-- Period (bigint), Version.
--
-- Ring ranges: the provider picks ReadRangeRows1Key when (int)begin < (int)end, i.e. the range
-- (begin, end] does not wrap in signed order, else ReadRangeRows2Key (wrapping range, and the whole
-- ring when begin = end). Both are served by the (service_id, grain_hash) index; the wrapping case is
-- written as two disjoint range scans instead of an OR so each half is a plain index range scan.

CREATE TABLE IF NOT EXISTS orleans_reminders
(
    service_id    text COLLATE "C" NOT NULL,
    grain_id      text COLLATE "C" NOT NULL,
    reminder_name text COLLATE "C" NOT NULL,
    start_time    timestamptz      NOT NULL,
    period        bigint           NOT NULL,  -- milliseconds
    grain_hash    integer          NOT NULL,
    version       integer          NOT NULL,
    CONSTRAINT orleans_reminders_pk PRIMARY KEY (service_id, grain_id, reminder_name)
);

CREATE INDEX IF NOT EXISTS orleans_reminders_hash_ix ON orleans_reminders (service_id, grain_hash);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- All reminders of one grain (primary key prefix).
('ReadReminderRowsKey', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId;
$q$),

-- One reminder (primary key); no row = not found.
('ReadReminderRowKey', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName;
$q$),

-- Non-wrapping ring range (begin, end].
('ReadRangeRows1Key', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash;
$q$),

-- Wrapping ring range: (begin, max] plus [min, end]; disjoint because end <= begin here.
('ReadRangeRows2Key', $q$
SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime,
       period AS Period, version AS Version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_hash > @BeginHash
UNION ALL
SELECT grain_id, reminder_name, start_time, period, version
FROM orleans_reminders
WHERE service_id = @ServiceId AND grain_hash <= @EndHash;
$q$),

-- Insert or replace; returns the new etag (Version). Last writer wins, as the provider expects.
('UpsertReminderRowKey', $q$
INSERT INTO orleans_reminders AS r
    (service_id, grain_id, reminder_name, start_time, period, grain_hash, version)
VALUES (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT ON CONSTRAINT orleans_reminders_pk DO UPDATE
SET start_time = EXCLUDED.start_time,
    period = EXCLUDED.period,
    grain_hash = EXCLUDED.grain_hash,
    version = CASE WHEN r.version = 2147483647 THEN 0 ELSE r.version + 1 END
RETURNING r.version AS Version;
$q$),

-- Deletes one reminder if the etag matches. Returns one bool: true = deleted.
('DeleteReminderRowKey', $q$
WITH deleted AS (
    DELETE FROM orleans_reminders
    WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName
      AND version = @Version
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM deleted);
$q$),

-- Deletes every reminder of the service (test/cleanup).
('DeleteReminderRowsKey', $q$
DELETE FROM orleans_reminders WHERE service_id = @ServiceId;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
