using Grains.Interfaces.Deals;
using Grains.Platform;
using Npgsql;
using static Grains.Platform.Postgres.PgParameters;

namespace Grains.Deals.Audit;

/// <summary>Audit chains of the cluster topology: table <c>audit_log</c> (<c>Platform/Postgres/Migrations/0008_audit_log.sql</c>).</summary>
public sealed class PostgresAuditStore(NpgsqlDataSource dataSource) : IAuditStore
{
    private const string Columns = """
        id, partition, entity_type, entity_id, sequence, action, actor, actor_type, changes, snapshot, previous_hash, created_at, entry_hash
        """;

    // One statement for the whole batch; a repeated entry (same place or same id) is skipped, never overwritten.
    private const string InsertSql = $"""
        INSERT INTO audit_log ({Columns})
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
            $9::text[], $10::text[], $11::text[], $12::timestamptz[], $13::text[])
        ON CONFLICT DO NOTHING
        """;

    private const string Where = "partition = $1 AND entity_type = $2 AND entity_id = $3";

    private const int MaxAppendsPerFlush = 500;

    // Appends of concurrent writers share one insert, one round trip and one commit (see GroupCommit).
    private readonly GroupCommit<IReadOnlyList<AuditEntry>, bool> appends = new(
        (batches, ct) => InsertAsync(dataSource, batches, ct), MaxAppendsPerFlush);

    public Task AppendAsync(IReadOnlyList<AuditEntry> entries, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return entries.Count == 0 ? Task.CompletedTask : appends.SubmitAsync(entries);
    }

    private static async Task<IReadOnlyList<bool>> InsertAsync(NpgsqlDataSource dataSource, IReadOnlyList<IReadOnlyList<AuditEntry>> batches, CancellationToken ct)
    {
        var entries = batches.SelectMany(b => b).ToList();
        await using var command = dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(Column(entries, e => e.Id));
        command.Parameters.Add(Column(entries, e => e.Partition));
        command.Parameters.Add(Column(entries, e => e.EntityType));
        command.Parameters.Add(Column(entries, e => e.EntityId));
        command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. entries.Select(e => e.Sequence)] });
        command.Parameters.Add(Column(entries, e => e.Action));
        command.Parameters.Add(Column(entries, e => e.Actor));
        command.Parameters.Add(Column(entries, e => e.ActorType));
        command.Parameters.Add(Column(entries, e => e.ChangesJson));
        command.Parameters.Add(Column(entries, e => e.SnapshotJson));
        command.Parameters.Add(Column(entries, e => e.PreviousHash));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. entries.Select(e => e.CreatedAt.ToUniversalTime())] });
        command.Parameters.Add(Column(entries, e => e.EntryHash));
        await command.ExecuteNonQueryAsync(ct);
        return [.. batches.Select(_ => true)];
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(string partition, string entityType, string entityId, int offset, int limit,
        CancellationToken ct = default)
    {
        AuditStoreRules.ValidatePage(offset, limit);
        return QueryAsync($"SELECT {Columns} FROM audit_log WHERE {Where} ORDER BY sequence LIMIT $4 OFFSET $5",
            [Text(partition), Text(entityType), Text(entityId), new NpgsqlParameter<int> { TypedValue = limit },
                new NpgsqlParameter<int> { TypedValue = offset }], ct);
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAllAsync(string partition, string entityType, string entityId, CancellationToken ct = default) =>
        QueryAsync($"SELECT {Columns} FROM audit_log WHERE {Where} ORDER BY sequence",
            [Text(partition), Text(entityType), Text(entityId)], ct);

    public async Task<int> CountAsync(string partition, string entityType, string entityId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM audit_log WHERE {Where}");
        command.Parameters.AddRange(new NpgsqlParameter[] { Text(partition), Text(entityType), Text(entityId) });
        return (int)(long)(await command.ExecuteScalarAsync(ct))!;
    }

    public async Task DeleteEntityAsync(string partition, string entityType, string entityId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand($"DELETE FROM audit_log WHERE {Where}");
        command.Parameters.AddRange(new NpgsqlParameter[] { Text(partition), Text(entityType), Text(entityId) });
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<IReadOnlyList<AuditEntry>> QueryAsync(string sql, NpgsqlParameter[] parameters, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(ct))
        {
            entries.Add(new AuditEntry(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetString(8), reader.GetString(9), reader.GetString(10),
                reader.GetFieldValue<DateTimeOffset>(11), reader.GetString(12)));
        }
        return entries;
    }
}
