using Grains.Interfaces.Webhooks;
using Npgsql;
using NpgsqlTypes;
using static Grains.Platform.Postgres.PgParameters;

namespace Grains.Webhooks.Storage;

/// <summary>Deliveries of the cluster topology: table <c>webhook_delivery</c> (<c>Migrations/0007_webhook_delivery.sql</c>).</summary>
public sealed class PostgresWebhookDeliveryStore(NpgsqlDataSource dataSource) : IWebhookDeliveryStore
{
    private const string Columns = """
        partition, delivery_id, webhook_id, event_id, event_sequence, event_type, payload, status, attempts, max_attempts,
        response_code, error_message, is_replay, created_at, next_attempt_at, first_attempt_at, delivered_at, retried_at, updated_at
        """;

    private const string Unnest = """
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[], $8::text[],
            $9::int[], $10::int[], $11::int[], $12::text[], $13::boolean[], $14::timestamptz[], $15::timestamptz[],
            $16::timestamptz[], $17::timestamptz[], $18::timestamptz[], $19::timestamptz[])
        """;

    private const string InsertSql = $"INSERT INTO webhook_delivery ({Columns}) {Unnest} ON CONFLICT DO NOTHING RETURNING partition, delivery_id";

    // Only the attempt fields travel (not the payload): the row was inserted before its first attempt.
    private const string UpdateSql = """
        UPDATE webhook_delivery AS d SET
            status = u.status, attempts = u.attempts, max_attempts = u.max_attempts, response_code = u.response_code,
            error_message = u.error_message, next_attempt_at = u.next_attempt_at, first_attempt_at = u.first_attempt_at,
            delivered_at = u.delivered_at, retried_at = u.retried_at, updated_at = u.updated_at
        FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::text[], $8::timestamptz[],
                    $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::timestamptz[])
             AS u(partition, delivery_id, status, attempts, max_attempts, response_code, error_message, next_attempt_at,
                  first_attempt_at, delivered_at, retried_at, updated_at)
        WHERE d.partition = u.partition AND d.delivery_id = u.delivery_id
          AND d.status <> 'success' AND u.attempts >= d.attempts
        """;

    private const string CountsSql = """
        SELECT d.partition, d.event_id,
               count(*) FILTER (WHERE d.status = 'pending'), count(*) FILTER (WHERE d.status = 'success'),
               count(*) FILTER (WHERE d.status = 'failed')
        FROM webhook_delivery d
        JOIN unnest($1::text[], $2::text[]) AS e(p, id) ON d.partition = e.p AND d.event_id = e.id
        GROUP BY d.partition, d.event_id
        """;

    public async Task<IReadOnlySet<DeliveryKey>> WriteAsync(IReadOnlyList<WebhookDelivery> inserts, IReadOnlyList<WebhookDelivery> updates,
        CancellationToken cancellationToken = default)
    {
        var inserted = new HashSet<DeliveryKey>();
        if (inserts.Count == 0 && updates.Count == 0)
        {
            return inserted;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        if (inserts.Count > 0)
        {
            batch.BatchCommands.Add(RowsCommand(InsertSql, inserts));
        }
        if (updates.Count > 0)
        {
            batch.BatchCommands.Add(UpdateCommand(updates));
        }
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (inserts.Count > 0)
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(new DeliveryKey(reader.GetString(0), reader.GetString(1)));
            }
        }
        return inserted;
    }

    public Task<IReadOnlyList<WebhookDelivery>> PendingAsync(string partition, string webhookId, int limit, CancellationToken cancellationToken = default) =>
        ReadAsync($"SELECT {Columns} FROM webhook_delivery WHERE partition = $1 AND webhook_id = $2 AND status = 'pending' " +
                  "ORDER BY event_sequence, created_at, delivery_id LIMIT $3",
            [Text(partition), Text(webhookId), new NpgsqlParameter<int> { TypedValue = limit }], cancellationToken);

    public async Task<WebhookDelivery?> GetAsync(string partition, string deliveryId, CancellationToken cancellationToken = default) =>
        (await ReadAsync($"SELECT {Columns} FROM webhook_delivery WHERE partition = $1 AND delivery_id = $2",
            [Text(partition), Text(deliveryId)], cancellationToken)).FirstOrDefault();

    public async Task<WebhookDeliveryPage> QueryAsync(string partition, WebhookDeliveryQuery query, CancellationToken cancellationToken = default)
    {
        var parameters = new List<NpgsqlParameter> { Text(partition) };
        var where = "partition = $1";
        void Filter(string column, string? value)
        {
            if (value is not null)
            {
                parameters.Add(Text(value));
                where += $" AND {column} = ${parameters.Count}";
            }
        }
        Filter("webhook_id", query.WebhookId);
        if (query.Status is not null)
        {
            // A literal from the fixed set, not a parameter: a generic plan could not use the partial dead-letter index
            // (migration 0009) for "status = $n". An unknown status matches nothing.
            where += WebhookKeys.DeliveryStatuses.Contains(query.Status) ? $" AND status = '{query.Status}'" : " AND false";
        }
        Filter("event_type", query.EventType);
        var countParameters = parameters.Select(p => p.Clone()).ToArray();
        parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Limit });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = query.Offset });
        var items = await ReadAsync(
            $"SELECT {Columns} FROM webhook_delivery WHERE {where} ORDER BY created_at DESC, delivery_id DESC " +
            $"LIMIT ${parameters.Count - 1} OFFSET ${parameters.Count}", parameters, cancellationToken);

        await using var count = dataSource.CreateCommand($"SELECT count(*) FROM webhook_delivery WHERE {where}");
        count.Parameters.AddRange(countParameters);
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        return new WebhookDeliveryPage(items, (int)total);
    }

    public async Task<IReadOnlyList<EventDeliveryCounts>> CountsAsync(IReadOnlyCollection<EventKey> events, CancellationToken cancellationToken = default)
    {
        if (events.Count == 0)
        {
            return [];
        }
        await using var command = dataSource.CreateCommand(CountsSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.Partition)] });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. events.Select(e => e.EventId)] });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var counts = new List<EventDeliveryCounts>();
        while (await reader.ReadAsync(cancellationToken))
        {
            counts.Add(new EventDeliveryCounts(new EventKey(reader.GetString(0), reader.GetString(1)),
                (int)reader.GetInt64(2), (int)reader.GetInt64(3), (int)reader.GetInt64(4)));
        }
        return counts;
    }

    public async Task<int> DeletePendingAsync(string partition, string webhookId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM webhook_delivery WHERE partition = $1 AND webhook_id = $2 AND status = 'pending'");
        command.Parameters.Add(Text(partition));
        command.Parameters.Add(Text(webhookId));
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<int> DeleteSucceededBeforeAsync(string partition, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            DELETE FROM webhook_delivery WHERE partition = $1 AND delivery_id IN (
                SELECT delivery_id FROM webhook_delivery
                WHERE partition = $1 AND status = 'success' AND created_at < $2
                ORDER BY created_at LIMIT $3)
            """);
        command.Parameters.Add(Text(partition));
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = cutoff.ToUniversalTime(), NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task<IReadOnlyList<WebhookDelivery>> ReadAsync(string sql, IEnumerable<NpgsqlParameter> parameters, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        command.Parameters.AddRange(parameters.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<WebhookDelivery>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new WebhookDelivery(
                reader.GetString(1), reader.GetString(0), reader.GetString(2), reader.GetString(3), reader.GetInt64(4),
                reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetInt32(8), reader.GetInt32(9),
                reader.IsDBNull(10) ? null : reader.GetInt32(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.GetBoolean(12), reader.GetFieldValue<DateTimeOffset>(13), Time(reader, 14), Time(reader, 15),
                Time(reader, 16), Time(reader, 17), reader.GetFieldValue<DateTimeOffset>(18)));
        }
        return rows;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static NpgsqlBatchCommand RowsCommand(string sql, IReadOnlyList<WebhookDelivery> rows)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(Column(rows, d => d.Partition));
        command.Parameters.Add(Column(rows, d => d.DeliveryId));
        command.Parameters.Add(Column(rows, d => d.WebhookId));
        command.Parameters.Add(Column(rows, d => d.EventId));
        command.Parameters.Add(Column(rows, d => d.EventSequence));
        command.Parameters.Add(Column(rows, d => d.EventType));
        command.Parameters.Add(Column(rows, d => d.Payload));
        AddOutcome(command, rows);
        command.Parameters.Add(Column(rows, d => d.IsReplay));
        command.Parameters.Add(Column(rows, d => (DateTime?)d.CreatedAt.UtcDateTime));
        AddAttemptTimes(command, rows);
        return command;
    }

    private static NpgsqlBatchCommand UpdateCommand(IReadOnlyList<WebhookDelivery> rows)
    {
        var command = new NpgsqlBatchCommand(UpdateSql);
        command.Parameters.Add(Column(rows, d => d.Partition));
        command.Parameters.Add(Column(rows, d => d.DeliveryId));
        AddOutcome(command, rows);
        AddAttemptTimes(command, rows);
        return command;
    }

    // The attempt fields, in the order both statements take them: status, attempts, max_attempts, response_code,
    // error_message, then next_attempt_at, first_attempt_at, delivered_at, retried_at, updated_at.
    private static void AddOutcome(NpgsqlBatchCommand command, IReadOnlyList<WebhookDelivery> rows)
    {
        command.Parameters.Add(Column(rows, d => d.Status));
        command.Parameters.Add(Column(rows, d => d.Attempts));
        command.Parameters.Add(Column(rows, d => d.MaxAttempts));
        command.Parameters.Add(Column(rows, d => d.ResponseCode));
        command.Parameters.Add(Column(rows, d => d.ErrorMessage));
    }

    private static void AddAttemptTimes(NpgsqlBatchCommand command, IReadOnlyList<WebhookDelivery> rows)
    {
        command.Parameters.Add(Column(rows, d => d.NextAttemptAt?.UtcDateTime));
        command.Parameters.Add(Column(rows, d => d.FirstAttemptAt?.UtcDateTime));
        command.Parameters.Add(Column(rows, d => d.DeliveredAt?.UtcDateTime));
        command.Parameters.Add(Column(rows, d => d.RetriedAt?.UtcDateTime));
        command.Parameters.Add(Column(rows, d => (DateTime?)d.UpdatedAt.UtcDateTime));
    }
}
