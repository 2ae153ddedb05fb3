using System.Text.Json;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Npgsql;
using NpgsqlTypes;

namespace Grains.Projections;

/// <summary>
/// The projection store of the cluster topology: table <c>resource_projection</c>
/// (<c>Platform/Postgres/Migrations/0004_projections.sql</c>, which explains the indexes).
/// </summary>
/// <remarks>
/// <para>
/// A query is one round trip: a batch of the page (keyset or offset, <c>LIMIT page + 1</c> to learn whether
/// more follow) and the filtered total. <c>count(*) OVER ()</c> on the page query would make PostgreSQL read
/// every matching row before the LIMIT (10x slower, measured in <c>bench/results/list-latest.md</c>); unfiltered
/// and status-only totals come from trigger-maintained counters, other filters run a separate <c>count(*)</c>.
/// Statements are positional and shaped only by which filters are present, so the few shapes in use are
/// auto-prepared by Npgsql.
/// </para>
/// Upserts are group-committed (<see cref="GroupCommit{TItem, TResult}"/>): upserts that arrive while one is being
/// written go together as one multi-row statement, so concurrent writers share the round trip, the commit and the
/// counter triggers (statement-level: once per statement, not per row).
/// </remarks>
public sealed class PostgresProjectionStore(NpgsqlDataSource dataSource) : IProjectionStore
{
    private const int MaxUpsertsPerFlush = 500;

    private const string Columns = "id, version, status, created_at, updated_at, filters, search_tokens, document, amount";
    private const string AllColumns = "partition, resource_type, " + Columns;

    // Late writes lose: an equal or older version leaves the stored row alone.
    private const string OnConflict = """
        ON CONFLICT (partition, resource_type, id) DO UPDATE SET
            version = EXCLUDED.version, status = EXCLUDED.status, created_at = EXCLUDED.created_at,
            updated_at = EXCLUDED.updated_at, filters = EXCLUDED.filters, search_tokens = EXCLUDED.search_tokens,
            document = EXCLUDED.document, amount = EXCLUDED.amount
        WHERE resource_projection.version < EXCLUDED.version
        """;

    private const string UpsertSql = $"""
        INSERT INTO resource_projection ({AllColumns})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        {OnConflict}
        """;

    // The rows of one flush; search tokens (one text[] per row) travel as one JSON array of arrays, indexed by
    // ordinality, since a PostgreSQL array parameter cannot be ragged. DISTINCT ON: ON CONFLICT may touch a row once.
    private const string UpsertManySql = $"""
        INSERT INTO resource_projection ({AllColumns})
        SELECT DISTINCT ON (u.partition, u.resource_type, u.id)
               u.partition, u.resource_type, u.id, u.version, u.status, u.created_at, u.updated_at, u.filters::jsonb,
               ARRAY(SELECT jsonb_array_elements_text($9::jsonb -> (u.ord - 1)::int)), u.document, u.amount
        FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::timestamptz[], $7::timestamptz[],
                    $8::text[], $10::text[], $11::numeric[]) WITH ORDINALITY
             AS u(partition, resource_type, id, version, status, created_at, updated_at, filters, document, amount, ord)
        ORDER BY u.partition, u.resource_type, u.id, u.version DESC
        {OnConflict}
        """;

    private readonly GroupCommit<ProjectionRow, bool> upserts = new(
        (rows, cancellationToken) => UpsertBatchAsync(dataSource, rows, cancellationToken), MaxUpsertsPerFlush);

    private const string DeleteSql = "DELETE FROM resource_projection WHERE partition = $1 AND resource_type = $2 AND id = $3";

    public Task UpsertAsync(ProjectionRow row, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(row);
        return upserts.SubmitAsync(row);
    }

    private static async Task<IReadOnlyList<bool>> UpsertBatchAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<ProjectionRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 1)
        {
            await using var single = dataSource.CreateCommand(UpsertSql);
            foreach (var (value, type) in RowValues(rows[0]))
            {
                single.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value, NpgsqlDbType = type });
            }
            await single.ExecuteNonQueryAsync(cancellationToken);
            return [true];
        }

        await using var command = dataSource.CreateCommand(UpsertManySql);
        AddRowArrays(command.Parameters, rows);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return [.. rows.Select(_ => true)];
    }

    /// <summary>
    /// The rows as the eleven array parameters of <see cref="UpsertManySql"/>, in its order (also the derived-row
    /// upsert of <c>GrainStateWriter</c>): partition, type, id, version, status, created, updated, filters, search
    /// tokens (one JSON array of arrays), document, amount.
    /// </summary>
    internal static void AddRowArrays(NpgsqlParameterCollection parameters, IReadOnlyList<ProjectionRow> rows)
    {
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Partition)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.ResourceType)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Id)] });
        parameters.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Version)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Status)] });
        parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.CreatedAt.UtcDateTime)] });
        parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. rows.Select(r => r.UpdatedAt.UtcDateTime)] });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => JsonSerializer.Serialize(r.Filters))] });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(rows.Select(r => r.SearchTokens)), NpgsqlDbType = NpgsqlDbType.Jsonb });
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => r.Document)] });
        parameters.Add(new NpgsqlParameter<decimal?[]> { TypedValue = [.. rows.Select(r => r.Amount)] });
    }

    public async Task DeleteAsync(string partition, string resourceType, string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(DeleteSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = partition });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = resourceType });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<ListPage<ProjectionRow>> QueryAsync(string partition, string resourceType, ListQuery query,
        IReadOnlyList<string>? searchTokens, CancellationToken cancellationToken = default)
    {
        var window = ListWindow.From(query);
        var filter = Filter(partition, resourceType, query, searchTokens);

        var page = filter.Copy();
        var sortColumn = window.Sort == ListSort.UpdatedAt ? "updated_at" : "created_at";
        var order = $"ORDER BY {sortColumn} DESC, id DESC";
        switch (window.Direction)
        {
            case ListDirection.After:
                page.Where($"({sortColumn}, id) < ({page.Add(window.Cursor!.At, NpgsqlDbType.TimestampTz)}, {page.Add(window.Cursor.Id, NpgsqlDbType.Text)})");
                break;
            case ListDirection.Before:
                // Nearest rows before the cursor first (a backward index scan); ListWindow restores list order.
                page.Where($"({sortColumn}, id) > ({page.Add(window.Cursor!.At, NpgsqlDbType.TimestampTz)}, {page.Add(window.Cursor.Id, NpgsqlDbType.Text)})");
                order = $"ORDER BY {sortColumn} ASC, id ASC";
                break;
        }

        var paging = $"LIMIT {page.Add(window.Fetch, NpgsqlDbType.Integer)}";
        if (window.Offset > 0)
        {
            paging += $" OFFSET {page.Add(window.Offset, NpgsqlDbType.Integer)}";
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(page.ToCommand($"SELECT {Columns} FROM resource_projection WHERE {page.Text} {order} {paging}"));
        batch.BatchCommands.Add(CountsFromCounters(query, searchTokens)
            ? filter.ToCommand($"SELECT coalesce(sum(n), 0)::bigint FROM resource_projection_count WHERE {filter.Text}")
            : filter.ToCommand($"SELECT count(*) FROM resource_projection WHERE {filter.Text}"));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        var rows = new List<ProjectionRow>(window.Fetch);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(ReadRow(reader, partition, resourceType));
        }

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var total = reader.GetInt64(0);
        return window.ToPage(rows, total);
    }

    /// <summary>
    /// Bulk upsert with the same version rule as <see cref="UpsertAsync"/>: binary COPY into a temporary table,
    /// then one INSERT .. ON CONFLICT. For rebuilding or backfilling a projection (and seeding benchmarks).
    /// </summary>
    /// <returns>The number of rows inserted or replaced.</returns>
    public async Task<long> ImportAsync(IEnumerable<ProjectionRow> rows, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE resource_projection_import (LIKE resource_projection INCLUDING DEFAULTS) ON COMMIT DROP",
            connection, transaction))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY resource_projection_import ({AllColumns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(cancellationToken);
                foreach (var (value, type) in RowValues(row))
                {
                    if (value is null)
                    {
                        await copy.WriteNullAsync(cancellationToken);
                    }
                    else
                    {
                        await copy.WriteAsync(value, type, cancellationToken);
                    }
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }

        // DISTINCT ON: a row may appear twice in one import; ON CONFLICT may touch each target row only once.
        await using var merge = new NpgsqlCommand($"""
            INSERT INTO resource_projection ({AllColumns})
            SELECT DISTINCT ON (partition, resource_type, id) {AllColumns}
            FROM resource_projection_import ORDER BY partition, resource_type, id, version DESC
            {OnConflict}
            """, connection, transaction);
        merge.CommandTimeout = 0;
        var affected = await merge.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return affected;
    }

    /// <summary>
    /// Whether the total can come from <c>resource_projection_count</c> (kept per partition, resource type and
    /// status by triggers): when nothing but the status narrows the list. The WHERE clause is then the same text.
    /// </summary>
    private static bool CountsFromCounters(ListQuery query, IReadOnlyList<string>? searchTokens) =>
        query.Filters is not { Count: > 0 } && searchTokens is not { Count: > 0 } && query.CreatedAfter is null
        && query.CreatedBefore is null && query.MinAmount is null && query.MaxAmount is null;

    private static SqlParameters Filter(string partition, string resourceType, ListQuery query, IReadOnlyList<string>? searchTokens)
    {
        var sql = new SqlParameters();
        sql.Where($"partition = {sql.Add(partition, NpgsqlDbType.Text)}");
        sql.Where($"resource_type = {sql.Add(resourceType, NpgsqlDbType.Text)}");
        if (query.Status is { } status)
        {
            sql.Where($"status = {sql.Add(status, NpgsqlDbType.Text)}");
        }

        if (query.Filters is { Count: > 0 } filters)
        {
            sql.Where($"filters @> {sql.Add(JsonSerializer.Serialize(filters), NpgsqlDbType.Jsonb)}");
        }

        if (searchTokens is { Count: > 0 })
        {
            sql.Where($"search_tokens @> {sql.Add(searchTokens.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)}");
        }

        // Half-open creation range [CreatedAfter, CreatedBefore), as in the in-memory store.
        if (query.CreatedAfter is { } after)
        {
            sql.Where($"created_at >= {sql.Add(after.ToUniversalTime(), NpgsqlDbType.TimestampTz)}");
        }

        if (query.CreatedBefore is { } before)
        {
            sql.Where($"created_at < {sql.Add(before.ToUniversalTime(), NpgsqlDbType.TimestampTz)}");
        }

        if (query.MinAmount is { } min)
        {
            sql.Where($"amount >= {sql.Add(min, NpgsqlDbType.Numeric)}");
        }

        if (query.MaxAmount is { } max)
        {
            sql.Where($"amount <= {sql.Add(max, NpgsqlDbType.Numeric)}");
        }

        return sql;
    }

    /// <summary>A row's values in <see cref="AllColumns"/> order, for the upsert and for COPY.</summary>
    private static (object? Value, NpgsqlDbType Type)[] RowValues(ProjectionRow row) =>
    [
        (row.Partition, NpgsqlDbType.Text),
        (row.ResourceType, NpgsqlDbType.Text),
        (row.Id, NpgsqlDbType.Text),
        (row.Version, NpgsqlDbType.Bigint),
        (row.Status, NpgsqlDbType.Text),
        // timestamptz takes UTC only (Npgsql refuses other offsets).
        (row.CreatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz),
        (row.UpdatedAt.ToUniversalTime(), NpgsqlDbType.TimestampTz),
        (JsonSerializer.Serialize(row.Filters), NpgsqlDbType.Jsonb),
        (row.SearchTokens.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text),
        (row.Document, NpgsqlDbType.Text),
        (row.Amount, NpgsqlDbType.Numeric),
    ];

    private static ProjectionRow ReadRow(NpgsqlDataReader reader, string partition, string resourceType) => new(
        partition,
        resourceType,
        reader.GetString(0),
        reader.GetInt64(1),
        reader.GetString(2),
        reader.GetFieldValue<DateTimeOffset>(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [],
        reader.GetFieldValue<string[]>(6),
        reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetDecimal(8));

    /// <summary>
    /// A WHERE clause and its positional parameters. Parameters are kept as factories because an
    /// <see cref="NpgsqlParameter"/> belongs to one command, and the page and the count each need their own.
    /// </summary>
    private sealed class SqlParameters
    {
        private readonly List<Func<NpgsqlParameter>> parameters = [];
        private readonly List<string> conditions = [];

        public string Text => string.Join(" AND ", conditions);

        /// <summary>Adds a parameter and returns its placeholder (<c>$n</c>).</summary>
        public string Add<T>(T value, NpgsqlDbType type)
        {
            parameters.Add(() => new NpgsqlParameter<T> { TypedValue = value, NpgsqlDbType = type });
            return "$" + parameters.Count;
        }

        public void Where(string condition) => conditions.Add(condition);

        public SqlParameters Copy()
        {
            var copy = new SqlParameters();
            copy.parameters.AddRange(parameters);
            copy.conditions.AddRange(conditions);
            return copy;
        }

        public NpgsqlBatchCommand ToCommand(string sql)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var parameter in parameters)
            {
                command.Parameters.Add(parameter());
            }

            return command;
        }
    }
}
