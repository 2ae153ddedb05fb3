using Npgsql;

namespace Grains.Platform.Postgres.Storage;

/// <summary>
/// The activation read of <see cref="PostgresGrainStorage"/>, grouped like the writes (<see cref="GroupCommit{TItem, TResult}"/>):
/// reads that arrive while one is running go together as one <c>unnest</c> lookup, one round trip for the lot. Every
/// new grain reads its (absent) state once, so a silo creating many grains (an email per request) made one round trip
/// per grain; a lone read is still one short statement at once.
/// </summary>
public sealed class GrainStateReader(NpgsqlDataSource dataSource, string serviceId)
{
    private const int MaxReadsPerFlush = 500;

    // Two may run at once: a read is light, and a large state's read should not hold every other activation back.
    private const int ConcurrentFlushes = 2;

    private const string ReadOneSql =
        "SELECT payload, version FROM grain_state WHERE grain_key = $1 AND grain_type = $2 AND state_name = $3 AND service_id = $4";

    private const string ReadManySql = """
        SELECT s.grain_key, s.grain_type, s.state_name, s.payload, s.version
        FROM unnest($1::text[], $2::text[], $3::text[]) AS k(grain_key, grain_type, state_name)
        JOIN grain_state s ON s.grain_key = k.grain_key AND s.grain_type = k.grain_type AND s.state_name = k.state_name
        WHERE s.service_id = $4
        """;

    private readonly GroupCommit<StateKey, StoredState?> reads = new(
        (batch, cancellationToken) => FlushAsync(dataSource, serviceId, batch, cancellationToken), MaxReadsPerFlush, ConcurrentFlushes);

    /// <summary>The stored row (payload null for a cleared grain), or null when there is none.</summary>
    public Task<StoredState?> ReadAsync(StateKey key) => reads.SubmitAsync(key);

    private static async Task<IReadOnlyList<StoredState?>> FlushAsync(
        NpgsqlDataSource dataSource, string serviceId, IReadOnlyList<StateKey> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 1)
        {
            return [await ReadOneAsync(dataSource, serviceId, batch[0], cancellationToken)];
        }
        await using var command = dataSource.CreateCommand(ReadManySql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(k => k.GrainKey)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(k => k.GrainType)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(k => k.StateName)] });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        var found = new Dictionary<StateKey, StoredState>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                found[new StateKey(reader.GetString(0), reader.GetString(1), reader.GetString(2))] =
                    new StoredState(reader.IsDBNull(3) ? null : reader.GetFieldValue<byte[]>(3), reader.GetInt64(4));
            }
        }
        // The same key twice in a batch (two activations racing) gets the same row.
        return [.. batch.Select(key => found.TryGetValue(key, out var state) ? state : null)];
    }

    private static async Task<StoredState?> ReadOneAsync(NpgsqlDataSource dataSource, string serviceId, StateKey key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ReadOneSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.GrainKey });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.GrainType });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = key.StateName });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SingleRow, cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new StoredState(reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0), reader.GetInt64(1));
    }
}

/// <summary>A <c>grain_state</c> row as read: the payload (null for a cleared grain's tombstone) and its version.</summary>
public sealed record StoredState(byte[]? Payload, long Version);
