using Npgsql;
using static Grains.Platform.Postgres.PgParameters;

namespace Grains.Delegations.Ledger;

/// <summary>
/// The ledger of the cluster topology: table <c>delegation_changes</c>
/// (<c>Platform/Postgres/Migrations/0012_delegation_changes.sql</c>), one row per deal change naming every link it
/// touched, so a change costs one row however deep its chain. The links see it as one
/// <see cref="DelegationLedgerRow"/> each, as before. Our grain storage writes the rows in the deal's own statement
/// (<c>GrainStateWriter</c>); <see cref="AppendAsync"/> serves a storage that cannot (the stock ADO.NET provider),
/// after the deal's state is written.
/// </summary>
public sealed class PostgresDelegationLedger(NpgsqlDataSource dataSource) : IDelegationLedger
{
    public const string Columns = "partition, deal_id, deal_version, id, delegation_id, links, root_id, kind, amount, currency, activity, occurred_at";

    /// <summary>
    /// The twelve arrays of <see cref="AddChangeArrays"/> from parameter <paramref name="first"/> on as
    /// <c>x(partition, ..., occurred_at)</c>, after an <c>owner</c> array when <paramref name="owned"/> (the links are
    /// joined by spaces: an unnest of a text[][] would flatten it).
    /// </summary>
    public static string Unnest(int first, bool owned = false)
    {
        var p = owned ? first + 1 : first;
        return $"""
            unnest({(owned ? $"${first}::text[], " : "")}${p}::text[], ${p + 1}::text[], ${p + 2}::bigint[], ${p + 3}::text[], ${p + 4}::text[],
                   ${p + 5}::text[], ${p + 6}::text[], ${p + 7}::text[], ${p + 8}::numeric[], ${p + 9}::text[], ${p + 10}::text[], ${p + 11}::timestamptz[])
                AS x({(owned ? "owner, " : "")}partition, deal_id, deal_version, id, delegation_id, links, root_id, kind, amount, currency, activity, occurred_at)
            """;
    }

    /// <summary>The select list of the insert from <see cref="Unnest"/>'s <c>x</c>.</summary>
    public const string SelectFromUnnest =
        "x.partition, x.deal_id, x.deal_version, x.id, x.delegation_id, string_to_array(x.links, ' '), x.root_id, x.kind, x.amount, x.currency, x.activity, x.occurred_at";

    private static readonly string InsertSql = $"""
        INSERT INTO delegation_changes ({Columns})
        SELECT {SelectFromUnnest} FROM {Unnest(1)}
        ON CONFLICT DO NOTHING
        """;

    // $1 partition, $2 the reading link, $3 its root.
    private const string WindowSql = $"""
        SELECT {Columns} FROM delegation_changes
        WHERE partition = $1 AND root_id = $3 AND occurred_at >= $4 AND $2 = ANY(links)
        ORDER BY deal_id, deal_version
        """;

    private const string RecentSql = $"""
        SELECT * FROM (SELECT {Columns} FROM delegation_changes
                       WHERE partition = $1 AND root_id = $3 AND delegation_id = $2
                       ORDER BY occurred_at DESC, deal_version DESC LIMIT $4) r
        ORDER BY occurred_at, deal_version
        """;

    private const string TotalsSql = """
        SELECT count(DISTINCT deal_id) FILTER (WHERE kind = 'reserve'), coalesce(sum(amount) FILTER (WHERE kind = 'settle'), 0)
        FROM delegation_changes WHERE partition = $1 AND root_id = $3 AND delegation_id = $2
        """;

    private const string DealSql = $"""
        SELECT {Columns} FROM delegation_changes
        WHERE partition = $1 AND deal_id = $3 AND $2 = ANY(links) ORDER BY deal_version
        """;

    public async Task AppendAsync(IReadOnlyList<DelegationLedgerRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
        {
            return;
        }
        await using var command = dataSource.CreateCommand(InsertSql);
        AddChangeArrays(command.Parameters, Changes(rows));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A change's rows as its one stored row: the rows sharing a deal version are one change, in chain order (the named
    /// link first, the root last; <c>DealGrain.LedgerRows</c> writes them so).
    /// </summary>
    public static IReadOnlyList<DelegationChangeRow> Changes(IReadOnlyList<DelegationLedgerRow> rows)
    {
        List<DelegationChangeRow> changes = [];
        for (var i = 0; i < rows.Count;)
        {
            var first = rows[i];
            var end = i + 1;
            while (end < rows.Count && rows[end].DealId == first.DealId && rows[end].DealVersion == first.DealVersion && rows[end].Partition == first.Partition)
            {
                end++;
            }
            var links = new string[end - i];
            for (var j = i; j < end; j++)
            {
                links[j - i] = rows[j].DelegationId;
            }
            var named = rows.Skip(i).Take(end - i).FirstOrDefault(r => r.Direct) ?? first;
            changes.Add(new DelegationChangeRow(named, links));
            i = end;
        }
        return changes;
    }

    /// <summary>The changes as the twelve arrays <see cref="Unnest"/> reads, in <see cref="Columns"/> order.</summary>
    public static void AddChangeArrays(NpgsqlParameterCollection parameters, IReadOnlyList<DelegationChangeRow> changes)
    {
        parameters.Add(Column(changes, c => c.Named.Partition));
        parameters.Add(Column(changes, c => c.Named.DealId));
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. changes.Select(c => c.Named.DealVersion)] });
        parameters.Add(Column(changes, c => c.Named.Id));
        parameters.Add(Column(changes, c => c.Named.DelegationId));
        parameters.Add(Column(changes, c => string.Join(' ', c.Links)));
        parameters.Add(Column(changes, c => c.Links[^1]));
        parameters.Add(Column(changes, c => c.Named.Kind));
        parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = [.. changes.Select(c => c.Named.Amount)] });
        parameters.Add(Column(changes, c => c.Named.Currency));
        parameters.Add(Column(changes, c => c.Named.Activity));
        parameters.Add(new NpgsqlParameter<DateTimeOffset[]> { TypedValue = [.. changes.Select(c => c.Named.OccurredAt.ToUniversalTime())] });
    }

    public async Task<DelegationLedgerRead> ReadAsync(string partition, string delegationId, string rootId, DateTimeOffset since, int recentDirect,
        CancellationToken ct = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Command(WindowSql, partition, delegationId, rootId, new NpgsqlParameter<DateTimeOffset> { TypedValue = since.ToUniversalTime() }));
        batch.BatchCommands.Add(Command(RecentSql, partition, delegationId, rootId, new NpgsqlParameter<int> { TypedValue = recentDirect }));
        batch.BatchCommands.Add(Command(TotalsSql, partition, delegationId, rootId));
        await using var reader = await batch.ExecuteReaderAsync(ct);
        var window = await RowsAsync(reader, delegationId, ct);
        await reader.NextResultAsync(ct);
        var recent = await RowsAsync(reader, delegationId, ct);
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
        return await RowsAsync(reader, delegationId, ct);
    }

    private static NpgsqlBatchCommand Command(string sql, string partition, string delegationId, string rootId, NpgsqlParameter? extra = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = delegationId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = rootId });
        if (extra is not null)
        {
            command.Parameters.Add(extra);
        }
        return command;
    }

    /// <summary>Each change as the row <paramref name="link"/> sees: direct when the request named it.</summary>
    private static async Task<List<DelegationLedgerRow>> RowsAsync(NpgsqlDataReader reader, string link, CancellationToken ct)
    {
        List<DelegationLedgerRow> rows = [];
        while (await reader.ReadAsync(ct))
        {
            var named = reader.GetString(4);
            rows.Add(new DelegationLedgerRow(reader.GetString(3), reader.GetString(0), link, reader.GetString(1), reader.GetInt64(2),
                reader.GetString(7), reader.GetDecimal(8), reader.GetString(9), Direct: named == link, reader.GetString(10),
                reader.GetFieldValue<DateTimeOffset>(11)));
        }
        return rows;
    }

}

/// <summary>One stored change: the row of the link the request named, and every link it touched (named first, root last).</summary>
public sealed record DelegationChangeRow(DelegationLedgerRow Named, IReadOnlyList<string> Links);
