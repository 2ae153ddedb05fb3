using System.Diagnostics;
using Npgsql;

namespace ListBench;

/// <summary>
/// Why the store sends the page and the total in one batch, and why totals come from counters where they can:
/// the same "status + offset page" request written four ways in raw SQL, timed on the same data, plus the
/// plans PostgreSQL picks for the store's shapes.
/// </summary>
public sealed class Alternatives(NpgsqlDataSource dataSource)
{
    private const string Where = "partition = $1 AND resource_type = $2 AND status = $3";
    private const string Columns = "id, version, status, created_at, updated_at, filters, search_tokens, document, amount";

    public static readonly (string Name, string Sql)[] Variants =
    [
        ("page only (no total)", $"SELECT {Columns} FROM resource_projection WHERE {Where} ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET $4"),
        ("page with count(*) OVER ()", $"SELECT {Columns}, count(*) OVER () FROM resource_projection WHERE {Where} ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET $4"),
        ("batch: page; SELECT count(*) (the store, when other filters are present)", $"SELECT {Columns} FROM resource_projection WHERE {Where} ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET $4;SELECT count(*) FROM resource_projection WHERE {Where}"),
        ("batch: page; sum of counters (the store, status-only or unfiltered)", $"SELECT {Columns} FROM resource_projection WHERE {Where} ORDER BY created_at DESC, id DESC LIMIT 51 OFFSET $4;SELECT coalesce(sum(n), 0)::bigint FROM resource_projection_count WHERE {Where}"),
    ];

    public async Task<List<(string Name, double P50, double P99)>> CompareAsync(int iterations, int seed)
    {
        var results = new List<(string, double, double)>();
        foreach (var (name, sql) in Variants)
        {
            var random = new Random(seed);
            var times = new List<double>(iterations);
            for (var i = -iterations / 10; i < iterations; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await ExecuteAsync(sql, random.Next(10) < 7 ? "active" : "inactive", random.Next(20) * 50);
                if (i >= 0)
                {
                    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }

            results.Add((name, Workload.Percentile(times, 50), Workload.Percentile(times, 99)));
        }

        return results;
    }

    /// <summary>EXPLAIN (ANALYZE, BUFFERS) of a statement with the benchmark tenant bound.</summary>
    public async Task<string> ExplainAsync(string sql, params object[] extra)
    {
        await using var command = dataSource.CreateCommand("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql);
        foreach (var value in new object[] { Dataset.Tenant, Dataset.Customer }.Concat(extra))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var lines = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    private async Task ExecuteAsync(string sql, string status, int offset)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var statement in sql.Split(';'))
        {
            var command = new NpgsqlBatchCommand(statement);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Dataset.Tenant });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Dataset.Customer });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = status });
            if (statement.Contains("$4", StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = offset });
            }

            batch.BatchCommands.Add(command);
        }

        await using var reader = await batch.ExecuteReaderAsync();
        do
        {
            while (await reader.ReadAsync())
            {
                _ = reader.GetValue(0);
            }
        }
        while (await reader.NextResultAsync());
    }
}
