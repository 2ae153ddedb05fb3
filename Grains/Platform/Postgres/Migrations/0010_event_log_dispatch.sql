-- How far each partition's events have been handed to its webhook endpoints (Grains/Events/EventLogGrain.cs).
--
-- The event log owns the hand-off: an append returns to its producer once the events are stored, and the log's grain
-- hands them to the endpoints afterwards, in sequence order, then moves dispatched_through. After a crash the next
-- activation hands on again the events after it that are still pending (endpoints keep what they already stored).
-- A separate table, not a column of event_log_counter: appends hold that row's lock for their whole transaction.
-- A partition without a row has dispatched nothing yet (0), so an existing log is swept once after this migration.

CREATE TABLE IF NOT EXISTS event_log_dispatch
(
    partition          text COLLATE "C" NOT NULL PRIMARY KEY,
    dispatched_through bigint NOT NULL
);
