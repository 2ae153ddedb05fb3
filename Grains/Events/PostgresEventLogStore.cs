using Grains.Interfaces.Events;
using Npgsql;
using NpgsqlTypes;
using static Grains.Platform.Postgres.PgParameters;

namespace Grains.Events;

/// <summary>
/// The event log of the cluster topology: tables <c>event_log</c> and <c>event_log_counter</c>
/// (<c>Platform/Postgres/Migrations/0005_event_log.sql</c>, which explains how sequences stay gap-free).
/// </summary>
public sealed class PostgresEventLogStore(NpgsqlDataSource dataSource) : IEventLogStore
{
    // Locks the partition's counter row (creating it at 0) and reads it; later statements see rows committed
    // by appenders that held the lock before us (READ COMMITTED takes a new snapshot per statement).
    private const string LockCounterSql = """
        INSERT INTO event_log_counter (partition, last_sequence) VALUES ($1, 0)
        ON CONFLICT (partition) DO UPDATE SET last_sequence = event_log_counter.last_sequence
        RETURNING last_sequence
        """;

    private const string ExistingSql = "SELECT event_id, sequence FROM event_log WHERE partition = $1 AND event_id = ANY($2)";

    private const string InsertSql = """
        INSERT INTO event_log (partition, sequence, event_id, event_type, status, created_at, data)
        SELECT $1, s, e, t, st, c, d FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::text[], $7::text[]) AS x(s, e, t, c, st, d)
        """;

    private const string MoveCounterSql = "UPDATE event_log_counter SET last_sequence = $2 WHERE partition = $1";

    public async Task<IReadOnlyList<long>> AppendAsync(string partition, IReadOnlyList<OutboxEvent> events, IReadOnlyList<string>? initialStatuses = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return [];
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long last;
        var known = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var batch = new NpgsqlBatch(connection, transaction))
        {
            batch.BatchCommands.Add(Command(LockCounterSql, Text(partition)));
            batch.BatchCommands.Add(Command(ExistingSql, Text(partition),
                new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Id).Distinct()] }));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            last = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                known[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        var fresh = new List<(long Sequence, OutboxEvent Event, string Status)>();
        for (var i = 0; i < events.Count; i++)
        {
            if (known.TryAdd(events[i].Id, last + 1))
            {
                fresh.Add((++last, events[i], initialStatuses?[i] ?? EventStatuses.Pending));
            }
        }

        if (fresh.Count > 0)
        {
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(Command(InsertSql, Text(partition),
                new NpgsqlParameter<long[]> { TypedValue = [.. fresh.Select(f => f.Sequence)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. fresh.Select(f => f.Event.Id)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. fresh.Select(f => f.Event.Type)] },
                new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. fresh.Select(f => f.Event.CreatedAt.ToUniversalTime())] },
                new NpgsqlParameter<string[]> { TypedValue = [.. fresh.Select(f => f.Status)] },
                new NpgsqlParameter<string[]> { TypedValue = [.. fresh.Select(f => f.Event.DataJson)] }));
            batch.BatchCommands.Add(Command(MoveCounterSql, Text(partition), new NpgsqlParameter<long> { TypedValue = last }));
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return [.. events.Select(e => known[e.Id])];
    }

    public async Task<EventLogPage> QueryAsync(string partition, EventLogQuery query, CancellationToken cancellationToken = default)
    {
        EventLogRules.Validate(query);
        var parameters = new List<NpgsqlParameter> { Text(partition) };
        var where = "partition = $1";
        if (query.SinceSequence is { } since)
        {
            parameters.Add(new NpgsqlParameter<long> { TypedValue = since });
            where += $" AND sequence > ${parameters.Count}";
        }
        if (query.SinceTimestamp is { } after)
        {
            parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = after.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
            where += $" AND created_at > ${parameters.Count}";
        }
        if (query.EventType is { } type)
        {
            parameters.Add(Text(type));
            where += $" AND event_type = ${parameters.Count}";
        }
        if (query.Status is { } status)
        {
            parameters.Add(Text(status));
            where += $" AND status = ${parameters.Count}";
        }
        parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit + 1 });
        var sql = $"SELECT event_id, sequence, event_type, status, created_at, data FROM event_log WHERE {where} ORDER BY sequence LIMIT ${parameters.Count}";

        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var fetched = new List<EventLogEntry>(query.Limit + 1);
        while (await reader.ReadAsync(cancellationToken))
        {
            fetched.Add(new EventLogEntry(reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetString(5)));
        }
        return EventLogRules.ToPage(fetched, query);
    }

    private const string SetStatusesSql = """
        UPDATE event_log e SET status = x.s
        FROM unnest($1::text[], $2::text[], $3::text[]) AS x(p, id, s)
        WHERE e.partition = x.p AND e.event_id = x.id AND e.status <> x.s
        """;

    // Oldest first, so repeated calls (a cron job) work through the backlog in batches.
    private const string DeleteDeliveredSql = """
        DELETE FROM event_log WHERE partition = $1 AND sequence IN (
            SELECT sequence FROM event_log
            WHERE partition = $1 AND status = 'delivered' AND created_at < $2
            ORDER BY sequence LIMIT $3)
        """;

    public async Task SetStatusesAsync(IReadOnlyList<EventStatusChange> changes, CancellationToken cancellationToken = default)
    {
        if (changes.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(SetStatusesSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(c => c.Partition)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(c => c.EventId)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. changes.Select(c => c.Status)] });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteDeliveredBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(DeleteDeliveredSql);
        command.Parameters.Add(Text(partition));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private const string DispatchPositionSql = """
        SELECT COALESCE((SELECT dispatched_through FROM event_log_dispatch WHERE partition = $1), 0),
               COALESCE((SELECT last_sequence FROM event_log_counter WHERE partition = $1), 0)
        """;

    private const string SetDispatchedSql = """
        INSERT INTO event_log_dispatch AS d (partition, dispatched_through) VALUES ($1, $2)
        ON CONFLICT (partition) DO UPDATE SET dispatched_through = EXCLUDED.dispatched_through
        WHERE d.dispatched_through < EXCLUDED.dispatched_through
        """;

    public async Task<DispatchPosition> DispatchPositionAsync(string partition, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(DispatchPositionSql);
        command.Parameters.Add(Text(partition));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new DispatchPosition(reader.GetInt64(0), reader.GetInt64(1));
    }

    public async Task SetDispatchedThroughAsync(string partition, long sequence, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(SetDispatchedSql);
        command.Parameters.Add(Text(partition));
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = sequence });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }
}
