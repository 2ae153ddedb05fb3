-- The delegation reservation ledger (Grains/Delegations/Ledger).
--
-- A deal changed under a delegation (created or raised, cancelled, closed) writes one row per link of the delegation
-- chain in its own transaction, beside its grain state, audit entry and outbox (GrainStateWriter): kind 'reserve'
-- (the deal's whole held amount, in the day and month it was written), 'release' or 'settle'. Rows are only ever
-- inserted; a repeat of the same deal version adds nothing (ON CONFLICT DO NOTHING on the primary key).
--
-- A delegation grain holds its counters in memory and rebuilds them on activation from its rows of the current month
-- (the index below); action=activity and analytics read its direct rows (the link the request named).

CREATE TABLE IF NOT EXISTS delegation_ledger
(
    partition     text COLLATE "C" NOT NULL,
    delegation_id text COLLATE "C" NOT NULL,
    deal_id       text COLLATE "C" NOT NULL,
    deal_version  bigint NOT NULL,
    id            text COLLATE "C" NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('reserve', 'release', 'settle')),
    amount        numeric NOT NULL,
    currency      text NOT NULL,
    direct        boolean NOT NULL,
    activity      text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    CONSTRAINT delegation_ledger_pkey PRIMARY KEY (partition, delegation_id, deal_id, deal_version)
);

CREATE INDEX IF NOT EXISTS delegation_ledger_window ON delegation_ledger (partition, delegation_id, occurred_at);
