using Npgsql;

namespace Grains.Platform.Postgres.Storage;

/// <summary>
/// The write path of <see cref="PostgresGrainStorage"/>: versioned upserts into <c>grain_state</c>, group-committed
/// (<see cref="GroupCommit{TItem, TResult}"/>). A lone write is one short statement; writes that arrive together go
/// as one <c>unnest</c> upsert, one round trip and one commit for the lot, which is what lets a busy silo write
/// more states per second than one-statement-per-write could. Each write still returns only once it is durable.
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

    private readonly GroupCommit<StateWrite, long?> writes = new(
        (batch, cancellationToken) => FlushAsync(dataSource, serviceId, batch, cancellationToken), MaxWritesPerFlush);

    /// <summary>Stores the payload if <paramref name="version"/> is the stored version; the new version, or null on a conflict.</summary>
    public Task<long?> WriteAsync(StateKey key, byte[] payload, long version) =>
        writes.SubmitAsync(new StateWrite(key, payload, version));

    private static async Task<IReadOnlyList<long?>> FlushAsync(
        NpgsqlDataSource dataSource, string serviceId, IReadOnlyList<StateWrite> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 1)
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
        await using var command = dataSource.CreateCommand(WriteManySql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(w => w.Key.GrainKey)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(w => w.Key.GrainType)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. writes.Select(w => w.Key.StateName)] });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = [.. writes.Select(w => w.Payload)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. writes.Select(w => w.Version)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var key = new StateKey(reader.GetString(0), reader.GetString(1), reader.GetString(2));
            results[statement[key]] = reader.GetInt64(3);
        }
    }

    private sealed record StateWrite(StateKey Key, byte[] Payload, long Version);
}

/// <summary>A <c>grain_state</c> row's key within one service.</summary>
public readonly record struct StateKey(string GrainKey, string GrainType, string StateName);
