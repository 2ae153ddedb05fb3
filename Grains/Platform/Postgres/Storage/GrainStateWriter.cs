using Grains.Delegations.Ledger;
using Grains.Projections;
using Npgsql;
using static Grains.Platform.Postgres.PgParameters;

namespace Grains.Platform.Postgres.Storage;

/// <summary>
/// The write path of <see cref="PostgresGrainStorage"/>: versioned upserts into <c>grain_state</c>, group-committed
/// (<see cref="GroupCommit{TItem, TResult}"/>). A lone write is one short statement; writes that arrive together go
/// as one <c>unnest</c> upsert, one round trip and one commit for the lot, which is what lets a busy silo write
/// more states per second than one-statement-per-write could. Each write still returns only once it is durable.
/// A write may carry <see cref="DerivedRows"/> (projection row, audit entries, delegation ledger rows): they go in the same statement, applied
/// only for the states whose version check passed, so a change and what it derives commit together or not at all.
/// </summary>
/// <remarks>
/// Versions: a write carries the version it read (0 when it saw no row). The update fires only when that matches
/// the stored version; otherwise no row comes back and the result is <c>null</c> (a conflict). A write that finds
/// no row inserts the version after the one it carried, so versions never restart.
/// </remarks>
public sealed class GrainStateWriter(NpgsqlDataSource dataSource, string serviceId)
{
    private const int MaxWritesPerFlush = 500;

    private const string WriteOneSql = """
        INSERT INTO grain_state AS s (grain_key, grain_type, state_name, service_id, payload, version)
        VALUES ($1, $2, $3, $4, $5, GREATEST($6, 0) + 1)
        ON CONFLICT (grain_key, grain_type, state_name, service_id) DO UPDATE
        SET payload = EXCLUDED.payload, version = s.version + 1, modified_on = now()
        WHERE s.version = $6
        RETURNING s.version
        """;

    // EXCLUDED.version is the carried version + 1 (a carried -1, an etag we did not issue, inserts 1 and updates nothing).
    private const string WriteManySql = """
        INSERT INTO grain_state AS s (grain_key, grain_type, state_name, service_id, payload, version)
        SELECT w.grain_key, w.grain_type, w.state_name, $4, w.payload, GREATEST(w.version, 0) + 1
        FROM unnest($1::text[], $2::text[], $3::text[], $5::bytea[], $6::bigint[]) AS w(grain_key, grain_type, state_name, payload, version)
        ON CONFLICT (grain_key, grain_type, state_name, service_id) DO UPDATE
        SET payload = EXCLUDED.payload, version = s.version + 1, modified_on = now()
        WHERE s.version = EXCLUDED.version - 1
        RETURNING s.grain_key, s.grain_type, s.state_name, s.version
        """;

    // The same upsert, plus the derived rows of the writes that went through: each derived row names its owner
    // (grain type, key and state name joined by newlines, which none of them contains) and is written only if the
    // owner's row came back from the upsert. One statement: one round trip, one snapshot, one commit.
    private static readonly string WriteDerivedSql = $"""
        WITH s AS (
            {WriteManySql}
        ), written AS (
            SELECT s.grain_type || E'\n' || s.grain_key || E'\n' || s.state_name AS owner FROM s
        ), p AS (
            INSERT INTO resource_projection AS r (partition, resource_type, id, version, status, created_at, updated_at, filters,
                search_tokens, document, amount)
            SELECT u.partition, u.resource_type, u.id, u.version, u.status, u.created_at, u.updated_at, u.filters::jsonb,
                   ARRAY(SELECT jsonb_array_elements_text($16::jsonb -> (u.ord - 1)::int)), u.document, u.amount
            FROM unnest($7::text[], $8::text[], $9::text[], $10::text[], $11::bigint[], $12::text[], $13::timestamptz[],
                        $14::timestamptz[], $15::text[], $17::text[], $18::numeric[]) WITH ORDINALITY
                 AS u(owner, partition, resource_type, id, version, status, created_at, updated_at, filters, document, amount, ord)
            WHERE u.owner IN (SELECT owner FROM written)
            ON CONFLICT (partition, resource_type, id) DO UPDATE SET
                version = EXCLUDED.version, status = EXCLUDED.status, created_at = EXCLUDED.created_at,
                updated_at = EXCLUDED.updated_at, filters = EXCLUDED.filters, search_tokens = EXCLUDED.search_tokens,
                document = EXCLUDED.document, amount = EXCLUDED.amount
            WHERE r.version < EXCLUDED.version
        ), d AS (
            DELETE FROM resource_projection r
            USING unnest($19::text[], $20::text[], $21::text[], $22::text[]) AS x(owner, partition, resource_type, id)
            WHERE r.partition = x.partition AND r.resource_type = x.resource_type AND r.id = x.id
              AND x.owner IN (SELECT owner FROM written)
        ), a AS (
            INSERT INTO audit_log (id, partition, entity_type, entity_id, sequence, action, actor, actor_type, changes, snapshot,
                previous_hash, created_at, entry_hash)
            SELECT x.id, x.partition, x.entity_type, x.entity_id, x.sequence, x.action, x.actor, x.actor_type, x.changes, x.snapshot,
                   x.previous_hash, x.created_at, x.entry_hash
            FROM unnest($23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::bigint[], $29::text[], $30::text[],
                        $31::text[], $32::text[], $33::text[], $34::text[], $35::timestamptz[], $36::text[])
                 AS x(owner, id, partition, entity_type, entity_id, sequence, action, actor, actor_type, changes, snapshot,
                      previous_hash, created_at, entry_hash)
            WHERE x.owner IN (SELECT owner FROM written)
            ON CONFLICT DO NOTHING
        ), l AS (
            INSERT INTO delegation_changes ({PostgresDelegationLedger.Columns})
            SELECT {PostgresDelegationLedger.SelectFromUnnest}
            FROM {PostgresDelegationLedger.Unnest(37, owned: true)}
            WHERE x.owner IN (SELECT owner FROM written)
            ON CONFLICT DO NOTHING
        )
        SELECT grain_key, grain_type, state_name, version FROM s
        """;

    private readonly GroupCommit<StateWrite, long?> writes = new(
        (batch, cancellationToken) => FlushAsync(dataSource, serviceId, batch, cancellationToken), MaxWritesPerFlush);

    /// <summary>Stores the payload if <paramref name="version"/> is the stored version; the new version, or null on a conflict.</summary>
    public Task<long?> WriteAsync(StateKey key, byte[] payload, long version, DerivedRows? derived = null) =>
        writes.SubmitAsync(new StateWrite(key, payload, version, derived));

    private static async Task<IReadOnlyList<long?>> FlushAsync(
        NpgsqlDataSource dataSource, string serviceId, IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 1 && batch[0].Derived is null)
        {
            return [await WriteOneAsync(dataSource, serviceId, batch[0], cancellationToken)];
        }

        // One upsert cannot touch a row twice: a second write of the same state in the batch (two activations racing)
        // goes in a later statement, where its version check decides as it would have on its own.
        var results = new long?[batch.Count];
        var remaining = Enumerable.Range(0, batch.Count).ToList();
        while (remaining.Count > 0)
        {
            var statement = new Dictionary<StateKey, int>();
            var later = new List<int>();
            foreach (var index in remaining)
            {
                if (!statement.TryAdd(batch[index].Key, index))
                {
                    later.Add(index);
                }
            }
            await WriteManyAsync(dataSource, serviceId, batch, statement, results, cancellationToken);
            remaining = later;
        }
        return results;
    }

    private static async Task<long?> WriteOneAsync(NpgsqlDataSource dataSource, string serviceId, StateWrite write, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(WriteOneSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.GrainKey });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.GrainType });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = write.Key.StateName });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = write.Payload });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = write.Version });
        return await command.ExecuteScalarAsync(cancellationToken) is long version ? version : null;
    }

    private static async Task WriteManyAsync(
        NpgsqlDataSource dataSource,
        string serviceId,
        IReadOnlyList<StateWrite> batch,
        Dictionary<StateKey, int> statement,
        long?[] results,
        CancellationToken cancellationToken)
    {
        var writes = statement.Values.Select(index => batch[index]).ToArray();
        var derived = writes.Any(w => w.Derived is not null);
        await using var command = dataSource.CreateCommand(derived ? WriteDerivedSql : WriteManySql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(w => w.Key.GrainKey)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(w => w.Key.GrainType)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(w => w.Key.StateName)] });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. writes.Select(w => w.Payload)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. writes.Select(w => w.Version)] });
        if (derived)
        {
            AddDerived(parameters, writes);
        }
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new StateKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
            results[statement[key]] = reader.GetInt64(3);
        }
    }

    private static void AddDerived(NpgsqlParameterCollection parameters, StateWrite[] writes)
    {
        var upserts = writes.Where(w => w.Derived?.Upsert is not null).ToArray();
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. upserts.Select(w => Owner(w.Key))] });
        PostgresProjectionStore.AddRowArrays(parameters, [.. upserts.Select(w => w.Derived!.Upsert!)]);

        var deletes = writes.Where(w => w.Derived?.Delete is not null).Select(w => (Owner: Owner(w.Key), Key: w.Derived!.Delete!)).ToArray();
        parameters.Add(Column(deletes, d => d.Owner));
        parameters.Add(Column(deletes, d => d.Key.Partition));
        parameters.Add(Column(deletes, d => d.Key.ResourceType));
        parameters.Add(Column(deletes, d => d.Key.Id));

        var audit = writes.SelectMany(w => (w.Derived?.Audit ?? []).Select(e => (Owner: Owner(w.Key), Entry: e))).ToArray();
        parameters.Add(Column(audit, a => a.Owner));
        parameters.Add(Column(audit, a => a.Entry.Id));
        parameters.Add(Column(audit, a => a.Entry.Partition));
        parameters.Add(Column(audit, a => a.Entry.EntityType));
        parameters.Add(Column(audit, a => a.Entry.EntityId));
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. audit.Select(a => a.Entry.Sequence)] });
        parameters.Add(Column(audit, a => a.Entry.Action));
        parameters.Add(Column(audit, a => a.Entry.Actor));
        parameters.Add(Column(audit, a => a.Entry.ActorType));
        parameters.Add(Column(audit, a => a.Entry.ChangesJson));
        parameters.Add(Column(audit, a => a.Entry.SnapshotJson));
        parameters.Add(Column(audit, a => a.Entry.PreviousHash));
        parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. audit.Select(a => a.Entry.CreatedAt.ToUniversalTime())] });
        parameters.Add(Column(audit, a => a.Entry.EntryHash));

        var ledger = writes.SelectMany(w => w.Derived is { Ledger.Count: > 0 } d
            ? PostgresDelegationLedger.Changes(d.Ledger).Select(c => (Owner: Owner(w.Key), Change: c))
            : []).ToArray();
        parameters.Add(Column(ledger, l => l.Owner));
        PostgresDelegationLedger.AddChangeArrays(parameters, [.. ledger.Select(l => l.Change)]);
    }

    private static string Owner(StateKey key) => $"{key.GrainType}\n{key.GrainKey}\n{key.StateName}";

    private sealed record StateWrite(StateKey Key, byte[] Payload, long Version, DerivedRows? Derived);
}

/// <summary>A <c>grain_state</c> row's key within one service.</summary>
public readonly record struct StateKey(string GrainKey, string GrainType, string StateName);
