-- The delegation reservation ledger as one row per deal change (Grains/Delegations/Ledger), replacing 0011's row per
-- link of the chain.
--
-- Why: a deal changed under a 3-link chain wrote three rows with two index entries each in its transaction, so the
-- ledger cost grew with the depth of the chain and was most of what a delegated creation added on PostgreSQL's side.
-- A change is now one row: the link the request named (delegation_id), every link it touched (links: the named link,
-- its parent, ... the root) and the chain's root (root_id). A link finds its rows among its tree's (the index below,
-- then `$link = ANY(links)`); its direct rows are those with delegation_id = the link. A deal changes under one
-- delegation only, so (partition, deal_id, deal_version) names a change; a repeat adds nothing (ON CONFLICT DO NOTHING).
--
-- Rows of 0011 are moved: one row per change from its direct row, the chain read from the named delegation's
-- projection document (its "chain" is root-first). A delegation without a projection is not expected (the projection
-- is written with the delegation); such a change keeps its links with the named link as root, so only that link
-- reads it back.

CREATE TABLE IF NOT EXISTS delegation_changes
(
    partition     text COLLATE "C" NOT NULL,
    deal_id       text COLLATE "C" NOT NULL,
    deal_version  bigint NOT NULL,
    id            text COLLATE "C" NOT NULL,
    delegation_id text COLLATE "C" NOT NULL,
    links         text[] COLLATE "C" NOT NULL,
    root_id       text COLLATE "C" NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('reserve', 'release', 'settle')),
    amount        numeric NOT NULL,
    currency      text NOT NULL,
    activity      text NOT NULL,
    occurred_at   timestamptz NOT NULL,
    CONSTRAINT delegation_changes_pkey PRIMARY KEY (partition, deal_id, deal_version)
);

CREATE INDEX IF NOT EXISTS delegation_changes_tree ON delegation_changes (partition, root_id, occurred_at);

INSERT INTO delegation_changes (partition, deal_id, deal_version, id, delegation_id, links, root_id, kind, amount, currency,
                                activity, occurred_at)
SELECT d.partition, d.deal_id, d.deal_version, d.id, d.delegation_id,
       CASE WHEN c.chain IS NULL
            THEN ARRAY(SELECT a.delegation_id FROM delegation_ledger a
                       WHERE a.partition = d.partition AND a.deal_id = d.deal_id AND a.deal_version = d.deal_version
                       ORDER BY a.direct DESC, a.delegation_id)
            ELSE ARRAY[d.delegation_id] || ARRAY(SELECT e.link FROM jsonb_array_elements_text(c.chain) WITH ORDINALITY AS e(link, n)
                                                 ORDER BY e.n DESC)
       END,
       CASE WHEN c.chain IS NULL OR jsonb_array_length(c.chain) = 0 THEN d.delegation_id ELSE c.chain ->> 0 END,
       d.kind, d.amount, d.currency, d.activity, d.occurred_at
FROM delegation_ledger d
LEFT JOIN LATERAL (SELECT p.document::jsonb -> 'chain' AS chain FROM resource_projection p
                   WHERE p.partition = d.partition AND p.resource_type = 'delegation' AND p.id = d.delegation_id) c ON true
WHERE d.direct
ON CONFLICT DO NOTHING;

DROP TABLE IF EXISTS delegation_ledger;
