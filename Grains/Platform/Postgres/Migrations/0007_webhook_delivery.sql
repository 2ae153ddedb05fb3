-- Webhook deliveries (Grains/Webhooks/Storage/PostgresWebhookDeliveryStore.cs).
--
-- One row per event owed to one endpoint, in a partition ("tenant:environment"). The endpoint's grain is the only
-- writer of its rows: it inserts them when events arrive (a repeated event keeps the stored row: the original
-- delivery id is derived from endpoint + event, so the insert is ON CONFLICT DO NOTHING) and upserts them after
-- every attempt. payload is the exact body sent on every attempt (text, byte for byte).
--
-- Reads: an endpoint's pending rows in event order when it activates; a partition's rows newest first, by endpoint,
-- status or event type (deliveries and dead-letter lists); per-event counts (the event log's delivery status).

CREATE TABLE IF NOT EXISTS webhook_delivery
(
    partition        text COLLATE "C" NOT NULL,
    delivery_id      text COLLATE "C" NOT NULL,
    webhook_id       text COLLATE "C" NOT NULL,
    event_id         text COLLATE "C" NOT NULL,
    event_sequence   bigint NOT NULL,
    event_type       text COLLATE "C" NOT NULL,
    payload          text NOT NULL,
    status           text COLLATE "C" NOT NULL,
    attempts         integer NOT NULL,
    max_attempts     integer NOT NULL,
    response_code    integer NULL,
    error_message    text NULL,
    is_replay        boolean NOT NULL,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz NULL,
    first_attempt_at timestamptz NULL,
    delivered_at     timestamptz NULL,
    retried_at       timestamptz NULL,
    updated_at       timestamptz NOT NULL,
    CONSTRAINT webhook_delivery_pkey PRIMARY KEY (partition, delivery_id)
);

CREATE INDEX IF NOT EXISTS webhook_delivery_pending ON webhook_delivery (partition, webhook_id, event_sequence)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS webhook_delivery_by_webhook ON webhook_delivery (partition, webhook_id, created_at DESC);
CREATE INDEX IF NOT EXISTS webhook_delivery_by_status ON webhook_delivery (partition, status, created_at DESC);
CREATE INDEX IF NOT EXISTS webhook_delivery_by_event ON webhook_delivery (partition, event_id);
