-- Audit chains (Grains/Deals/Audit/PostgresAuditStore.cs).
--
-- One row per audit entry of one entity (deal, contract, customer, product) in a partition ("tenant:environment").
-- Each entity's entries form a hash chain (Grains/Deals/Audit/AuditChain.cs): sequence counts 1.. per entity,
-- previous_hash is the previous entry's entry_hash and entry_hash covers the entry's content, so an edit, a removal
-- or a reordering made here shows up when the chain is verified. Appends are idempotent: an entry repeated after a
-- crash finds its place (the primary key) or its id taken and is skipped (ON CONFLICT DO NOTHING), never overwritten.
--
-- Reads are one entity's chain in sequence order, which the primary key serves. changes and snapshot are text, not
-- jsonb, so the JSON comes back byte for byte and the hash recomputes; created_at keeps the microseconds it is hashed at.

CREATE TABLE IF NOT EXISTS audit_log
(
    partition     text COLLATE "C" NOT NULL,
    entity_type   text COLLATE "C" NOT NULL,
    entity_id     text COLLATE "C" NOT NULL,
    sequence      bigint NOT NULL,
    id            text COLLATE "C" NOT NULL,
    action        text NOT NULL,
    actor         text NOT NULL,
    actor_type    text NOT NULL,
    changes       text NOT NULL,
    snapshot      text NOT NULL,
    previous_hash text COLLATE "C" NOT NULL,
    created_at    timestamptz NOT NULL,
    entry_hash    text COLLATE "C" NOT NULL,
    CONSTRAINT audit_log_pkey PRIMARY KEY (partition, entity_type, entity_id, sequence),
    CONSTRAINT audit_log_id_key UNIQUE (id)
);
