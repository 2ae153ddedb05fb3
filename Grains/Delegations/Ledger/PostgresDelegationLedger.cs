using Npgsql;

namespace Grains.Delegations.Ledger;

/// <summary>
/// The ledger of the cluster topology: table <c>delegation_ledger</c> (<c>Platform/Postgres/Migrations/0011_delegation_ledger.sql</c>).
/// Our grain storage writes the rows in the deal's own statement (<c>GrainStateWriter</c>); <see cref="AppendAsync"/>
/// serves a storage that cannot (the stock ADO.NET provider), after the deal's state is written.
/// </summary>
public sealed class PostgresDelegationLedger(NpgsqlDataSource dataSource) : IDelegationLedger
{
    public const string Columns = "partition, delegation_id, deal_id, deal_version, id, kind, amount, currency, direct, activity, occurred_at";

    private const string InsertSql = $"""
        INSERT INTO delegation_ledger ({Columns})
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::numeric[], $8::text[],
            $9::boolean[], $10::text[], $11::timestamptz[])
        ON CONFLICT DO NOTHING
        """;

    private const string WindowSql = $"""
        SELECT {Columns} FROM delegation_ledger
        WHERE partition = $1 AND delegation_id = $2 AND occurred_at >= $3
        ORDER BY deal_id, deal_version
        """;

    private const string RecentSql = $"""
        SELECT * FROM (SELECT {Columns} FROM delegation_ledger
                       WHERE partition = $1 AND delegation_id = $2 AND direct
                       ORDER BY occurred_at DESC, deal_version DESC LIMIT $3) r
        ORDER BY occurred_at, deal_version
        """;

    private const string TotalsSql = """
        SELECT count(DISTINCT deal_id) FILTER (WHERE kind = 'reserve'), coalesce(sum(amount) FILTER (WHERE kind = 'settle'), 0)
        FROM delegation_ledger WHERE partition = $1 AND delegation_id = $2 AND direct
        """;

    private const string DealSql = $"""
        SELECT {Columns} FROM delegation_ledger
        WHERE partition = $1 AND delegation_id = $2 AND deal_id = $3 ORDER BY deal_version
        """;

    public async Task AppendAsync(IReadOnlyList<DelegationLedgerRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(InsertSql);
        AddRowArrays(command.Parameters, rows);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The rows as the eleven arrays of <see cref="Columns"/>, in that order (also the deal statement's).</summary>
    public static void AddRowArrays(NpgsqlParameterCollection parameters, IReadOnlyList<DelegationLedgerRow> rows)
    {
        parameters.Add(Texts(rows, r => r.Partition));
        parameters.Add(Texts(rows, r => r.DelegationId));
        parameters.Add(Texts(rows, r => r.DealId));
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.DealVersion)] });
        parameters.Add(Texts(rows, r => r.Id));
        parameters.Add(Texts(rows, r => r.Kind));
        parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = [.. rows.Select(r => r.Amount)] });
        parameters.Add(Texts(rows, r => r.Currency));
        parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = [.. rows.Select(r => r.Direct)] });
        parameters.Add(Texts(rows, r => r.Activity));
        parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. rows.Select(r => r.OccurredAt.ToUniversalTime())] });
    }

    public async Task<DelegationLedgerRead> ReadAsync(string partition, string delegationId, DateTimeOffset since, int recentDirect,
        CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command(WindowSql, partition, delegationId, new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() }));
        batch.BatchCommands.Add(Command(RecentSql, partition, delegationId, new NpgsqlParameter<int> { TypedValue = recentDirect }));
        batch.BatchCommands.Add(Command(TotalsSql, partition, delegationId));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var window = await RowsAsync(reader, ct);
        await reader.NextResultAsync(ct);
        var recent = await RowsAsync(reader, ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return new DelegationLedgerRead(window, recent, (int)reader.GetInt64(0), reader.GetDecimal(1));
    }

    public async Task<IReadOnlyList<DelegationLedgerRow>> ReadDealAsync(string partition, string delegationId, string dealId, CancellationToken ct = default)
    {
        await using var command = dataSource.CreateCommand(DealSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delegationId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = dealId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await RowsAsync(reader, ct);
    }

    private static NpgsqlBatchCommand Command(string sql, string partition, string delegationId, NpgsqlParameter? extra = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delegationId });
        if (extra is not null)
        {
            command.Parameters.Add(extra);
        }
        return command;
    }

    private static async Task<List<DelegationLedgerRow>> RowsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        List<DelegationLedgerRow> rows = [];
        while (await reader.ReadAsync(ct))
        {
            rows.Add(new DelegationLedgerRow(reader.GetString(4), reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.GetInt64(3), reader.GetString(5), reader.GetDecimal(6), reader.GetString(7), reader.GetBoolean(8),
                reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }
        return rows;
    }

    private static NpgsqlParameter<string[]> Texts(IReadOnlyList<DelegationLedgerRow> rows, Func<DelegationLedgerRow, string> field) =>
        new() { TypedValue = [.. rows.Select(field)] };
}
