-- Orleans ADO.NET clustering (Microsoft.Orleans.Clustering.AdoNet 10.4.2, invariant "Npgsql").
--
-- Our own schema, written against the provider's contract: it reads every row of OrleansQuery
-- ("SELECT QueryKey, QueryText FROM OrleansQuery"), binds named parameters and reads result
-- columns by name (case-insensitively, so unquoted aliases are fine).
--
-- Etag model: one version row per deployment (cluster id). Every membership change (insert/update
-- of a silo row) must present the version it read and bumps it atomically; IAmAlive heartbeats do
-- not touch the version. Timestamps are timestamptz: the provider binds DateTime as DbType.DateTime,
-- which Npgsql sends as timestamptz (UTC only) and reads back with Kind=Utc.
--
-- Safe to re-run: IF NOT EXISTS everywhere, queries are upserted.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  text NOT NULL PRIMARY KEY,
    QueryText text NOT NULL
);

CREATE TABLE IF NOT EXISTS orleans_membership_version
(
    deployment_id text COLLATE "C" NOT NULL PRIMARY KEY,
    version       integer          NOT NULL DEFAULT 0,
    updated_at    timestamptz      NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS orleans_membership
(
    -- CASCADE: deleting a deployment's version row (DeleteMembershipTableEntriesKey) drops its silos.
    deployment_id   text COLLATE "C" NOT NULL REFERENCES orleans_membership_version (deployment_id) ON DELETE CASCADE,
    address         text COLLATE "C" NOT NULL,
    port            integer          NOT NULL,
    generation      integer          NOT NULL,
    silo_name       text             NOT NULL,
    host_name       text             NOT NULL,
    status          integer          NOT NULL,  -- Orleans SiloStatus: 3 = Active, 6 = Dead
    proxy_port      integer          NOT NULL,  -- gateway port, 0 when the silo is no gateway
    suspect_times   text,                       -- provider-formatted "silo,time|silo,time"
    start_time      timestamptz      NOT NULL,
    i_am_alive_time timestamptz      NOT NULL,
    CONSTRAINT orleans_membership_pk PRIMARY KEY (deployment_id, address, port, generation)
);

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES

-- Creates the deployment's version row if missing. Returns one bool: true if this call created it.
('InsertMembershipVersionKey', $q$
WITH inserted AS (
    INSERT INTO orleans_membership_version (deployment_id, version, updated_at)
    VALUES (@DeploymentId, 0, now())
    ON CONFLICT (deployment_id) DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted);
$q$),

-- All silos of a deployment plus the table version, in one snapshot. Always one row per silo, or a
-- single row with NULL silo columns (StartTime NULL = "no member") when the deployment is empty.
('MembershipReadAllKey', $q$
SELECT v.version         AS Version,
       m.address         AS Address,
       m.port            AS Port,
       m.generation      AS Generation,
       m.silo_name       AS SiloName,
       m.host_name       AS HostName,
       m.status          AS Status,
       m.proxy_port      AS ProxyPort,
       m.suspect_times   AS SuspectTimes,
       m.start_time      AS StartTime,
       m.i_am_alive_time AS IAmAliveTime
FROM orleans_membership_version v
LEFT JOIN orleans_membership m ON m.deployment_id = v.deployment_id
WHERE v.deployment_id = @DeploymentId;
$q$),

-- One silo plus the table version (same shape as MembershipReadAllKey).
('MembershipReadRowKey', $q$
SELECT v.version         AS Version,
       m.address         AS Address,
       m.port            AS Port,
       m.generation      AS Generation,
       m.silo_name       AS SiloName,
       m.host_name       AS HostName,
       m.status          AS Status,
       m.proxy_port      AS ProxyPort,
       m.suspect_times   AS SuspectTimes,
       m.start_time      AS StartTime,
       m.i_am_alive_time AS IAmAliveTime
FROM orleans_membership_version v
LEFT JOIN orleans_membership m
       ON m.deployment_id = v.deployment_id
      AND m.address = @Address
      AND m.port = @Port
      AND m.generation = @Generation
WHERE v.deployment_id = @DeploymentId;
$q$),

-- Adds a silo if the caller's table version is current. The version row is updated first, so its row
-- lock serializes concurrent writers; a loser re-checks "version = @Version" after the winner commits,
-- updates nothing and therefore inserts nothing. Returns one bool: true = inserted, false = lost race
-- (stale version) or the silo row already exists (then the version is left alone).
('InsertMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, updated_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND NOT EXISTS (SELECT 1 FROM orleans_membership
                      WHERE deployment_id = @DeploymentId AND address = @Address
                        AND port = @Port AND generation = @Generation)
    RETURNING deployment_id),
inserted AS (
    INSERT INTO orleans_membership (deployment_id, address, port, generation, silo_name, host_name,
                                    status, proxy_port, suspect_times, start_time, i_am_alive_time)
    SELECT deployment_id, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, NULL, @StartTime, @IAmAliveTime
    FROM bumped
    ON CONFLICT ON CONSTRAINT orleans_membership_pk DO NOTHING
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM inserted);
$q$),

-- Updates a silo's status/suspicions if the caller's table version is current (same locking as the
-- insert). Returns one bool: true = updated, false = stale version or unknown silo.
('UpdateMembershipKey', $q$
WITH bumped AS (
    UPDATE orleans_membership_version
    SET version = version + 1, updated_at = now()
    WHERE deployment_id = @DeploymentId
      AND version = @Version
      AND EXISTS (SELECT 1 FROM orleans_membership
                  WHERE deployment_id = @DeploymentId AND address = @Address
                    AND port = @Port AND generation = @Generation)
    RETURNING deployment_id),
updated AS (
    UPDATE orleans_membership m
    SET status = @Status, suspect_times = @SuspectTimes, i_am_alive_time = @IAmAliveTime
    FROM bumped b
    WHERE m.deployment_id = b.deployment_id
      AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
    RETURNING 1)
SELECT EXISTS (SELECT 1 FROM updated);
$q$),

-- Heartbeat: no version bump (other silos do not need to re-read the table for it).
('UpdateIAmAlivetimeKey', $q$
UPDATE orleans_membership
SET i_am_alive_time = @IAmAliveTime
WHERE deployment_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),

-- Gateways for clients: active silos that expose a gateway (@Status is SiloStatus.Active).
('GatewaysQueryKey', $q$
SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
FROM orleans_membership
WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$),

-- Removes a whole deployment (version row; its silos go by cascade).
('DeleteMembershipTableEntriesKey', $q$
DELETE FROM orleans_membership_version WHERE deployment_id = @DeploymentId;
$q$),

-- Removes silos declared Dead (6) whose start and last heartbeat are older than the cutoff.
-- Dead is terminal for an address+generation, so a set-based delete is race-free. (We deliberately
-- do not define the optional CleanupDefunctSiloEntryKey: without it the provider runs this single
-- statement instead of a read plus one delete per dead silo.)
('CleanupDefunctSiloEntriesKey', $q$
DELETE FROM orleans_membership
WHERE deployment_id = @DeploymentId
  AND status = 6
  AND i_am_alive_time < @IAmAliveTime
  AND start_time < @IAmAliveTime;
$q$)

ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
