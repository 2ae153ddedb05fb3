-- Cheaper delivery writes (Grains/Webhooks/Storage/PostgresWebhookDeliveryStore.cs).
--
-- Every delivery row is inserted pending and updated with its outcome, and the update changes status, so it is never
-- a HOT update: each index gets an entry for the new row version. webhook_delivery_by_status (0007) indexed every row
-- by status, for one query: the tenant-wide dead-letter list (status = 'failed'; the deliveries list always names a
-- webhook and uses webhook_delivery_by_webhook). A partial index on failed rows serves that list and costs the
-- insert and the successful update nothing.
--
-- fillfactor leaves room on each page so the updated row version usually lands on the same page, which keeps the
-- update's WAL record small (PostgreSQL then logs only the changed middle of the row).

DROP INDEX IF EXISTS webhook_delivery_by_status;
CREATE INDEX IF NOT EXISTS webhook_delivery_dead_letters ON webhook_delivery (partition, created_at DESC) WHERE status = 'failed';
ALTER TABLE webhook_delivery SET (fillfactor = 80);
