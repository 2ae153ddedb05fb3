using System.Globalization;
using System.Text;
using Npgsql;

namespace ListBench;

/// <summary>Writes <c>bench/results/list-latest.md</c>.</summary>
public static class Report
{
    public const double TargetP99Ms = 20;

    public sealed record Input(
        int Rows, int NoiseTenants, int NoiseRows, int SameTenantOtherType, double SeedSeconds, int Queries, int Workers,
        (IReadOnlyList<KindResult> Kinds, double Seconds) Sequential,
        (IReadOnlyList<KindResult> Kinds, double Seconds) Concurrent,
        IReadOnlyList<double> DeepOffset,
        IReadOnlyList<(string Name, double P50, double P99)> Alternatives,
        IReadOnlyList<(string Title, string Plan)> Plans,
        IReadOnlyList<(string Name, string Value)> Environment);

    public static async Task<IReadOnlyList<(string, string)>> EnvironmentAsync(NpgsqlDataSource dataSource)
    {
        var facts = new List<(string, string)>
        {
            ("machine", $"{System.Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {System.Environment.Version}"),
        };
        await using var command = dataSource.CreateCommand("""
            SELECT 'server', version() UNION ALL
            SELECT name, setting || coalesce(unit, '') FROM pg_settings
              WHERE name IN ('shared_buffers', 'work_mem', 'jit', 'random_page_cost', 'synchronous_commit') UNION ALL
            SELECT 'resource_projection', pg_size_pretty(pg_table_size('resource_projection')) || ' table + '
              || pg_size_pretty(pg_indexes_size('resource_projection')) || ' indexes'
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            facts.Add((reader.GetString(0), reader.GetString(1)));
        }

        return facts;
    }

    public static string Render(Input input)
    {
        // The target is about customer lists: the kinds that use only the document's customer parameters.
        var all = input.Sequential.Kinds.Where(k => k.CustomerParameters).SelectMany(k => k.Milliseconds).ToArray();
        var allConcurrent = input.Concurrent.Kinds.Where(k => k.CustomerParameters).SelectMany(k => k.Milliseconds).ToArray();
        var p99 = Workload.Percentile(all, 99);
        var s = new StringBuilder();
        s.AppendLine(CultureInfo.InvariantCulture, $"# List read model: {input.Rows:N0} customers in one tenant (PostgreSQL)");
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC by `bench/ListBench` (`dotnet run -c Release --project bench/ListBench`).");
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture,
            $"**Target: p99 ≤ {TargetP99Ms} ms for a filtered, paged customer list. Measured (store, one query at a time, customer-list kinds): p50 {F(Workload.Percentile(all, 50))} ms, p99 {F(p99)} ms — {(p99 <= TargetP99Ms ? "met" : "NOT met")}.**");
        s.AppendLine(CultureInfo.InvariantCulture,
            $"With {input.Workers} concurrent callers (customer-list kinds): p50 {F(Workload.Percentile(allConcurrent, 50))} ms, p99 {F(Workload.Percentile(allConcurrent, 99))} ms, {allConcurrent.Length / input.Concurrent.Seconds:F0} queries/s.");
        s.AppendLine();
        s.AppendLine("The figure is `PostgresProjectionStore.QueryAsync` as the directory grain calls it: pool checkout, one round trip ");
        s.AppendLine("(the page with `LIMIT n+1` and the total, batched; the total from the trigger-kept counters when only `status` filters, ");
        s.AppendLine("else a `count(*)`), reading the rows. The HTTP and grain hops come on top. The machine is shared (see the load average): ");
        s.AppendLine("the tails include other processes' CPU use.");
        s.AppendLine();
        s.AppendLine("## Data");
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"- measured tenant: {input.Rows:N0} customers (70% active, 20% inactive, 10% archived; created over two years, one in ten in groups sharing a timestamp; a `country` filter of 12 values; 5 blind-index-like search tokens each), seeded in {input.SeedSeconds:F1} s with `PostgresProjectionStore.ImportAsync` (binary COPY + one upsert)");
        s.AppendLine(CultureInfo.InvariantCulture, $"- noise: {input.SameTenantOtherType:N0} rows of another resource type in the same tenant, {input.NoiseTenants} other tenants × {input.NoiseRows:N0} customers sharing the token vocabulary (pessimistic for GIN)");
        s.AppendLine("- then `VACUUM (ANALYZE)`, which autovacuum does on its own after a load of this size");
        s.AppendLine();
        s.AppendLine("| environment | |");
        s.AppendLine("|---|---|");
        foreach (var (name, value) in input.Environment)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {value.Replace("|", "\\|", StringComparison.Ordinal)} |");
        }

        Table(s, $"One query at a time ({all.Length:N0} queries, kinds drawn uniformly, after 500 warm-up queries)", input.Sequential.Kinds);
        Table(s, $"{input.Workers} concurrent callers ({allConcurrent.Length:N0} queries)", input.Concurrent.Kinds);

        s.AppendLine();
        s.AppendLine("## Not in the mix");
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture,
            $"- deep offset (status=active, offset 50,000, 50 runs): p50 {F(Workload.Percentile(input.DeepOffset.ToArray(), 50))} ms, p99 {F(Workload.Percentile(input.DeepOffset.ToArray(), 99))} ms. Offsets walk the index; deep pages should use cursors (`next_cursor`), which cost the same at any depth (see `status+after`).");
        s.AppendLine("- `country+status`: an exact filter matching 1 in 12 rows cannot use an index that also carries the tenant, so the page walks the status index and checks `filters` on each heap row, and the total is a bitmap AND over ~70,000 index entries (plans below). Customer lists have no such filter; product lists (`type`, `category`, `family`) would at this size.");
        s.AppendLine();
        s.AppendLine("## Page + total, four ways (status + offset page, 200 runs each, one at a time)");
        s.AppendLine();
        s.AppendLine("| SQL | p50 ms | p99 ms |");
        s.AppendLine("|---|---:|---:|");
        foreach (var (name, p50, p99Alt) in input.Alternatives)
        {
            s.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {F(p50)} | {F(p99Alt)} |");
        }

        s.AppendLine();
        s.AppendLine("## Plans");
        foreach (var (title, plan) in input.Plans)
        {
            s.AppendLine();
            s.AppendLine(CultureInfo.InvariantCulture, $"{title}:");
            s.AppendLine();
            s.AppendLine("```");
            s.AppendLine(plan);
            s.AppendLine("```");
        }

        return s.ToString();
    }

    private static void Table(StringBuilder s, string title, IReadOnlyList<KindResult> kinds)
    {
        s.AppendLine();
        s.AppendLine(CultureInfo.InvariantCulture, $"## {title}");
        s.AppendLine();
        s.AppendLine("Kinds marked * filter by what customer lists cannot (product/deal-style exact filters, creation range).");
        s.AppendLine();
        s.AppendLine("| kind | what | n | rows/page | total | p50 ms | p95 ms | p99 ms | max ms |");
        s.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var k in kinds)
        {
            s.AppendLine(CultureInfo.InvariantCulture,
                $"| {k.Name}{(k.CustomerParameters ? "" : " *")} | {k.Description} | {k.Milliseconds.Length} | {k.AverageItems:F0} | {k.AverageTotal:F0} | {F(k.Percentile(50))} | {F(k.Percentile(95))} | {F(k.Percentile(99))} | {F(k.Milliseconds.DefaultIfEmpty().Max())} |");
        }

        Summary(s, "**customer-list kinds**", kinds.Where(k => k.CustomerParameters));
        Summary(s, "all kinds", kinds);
    }

    private static void Summary(StringBuilder s, string label, IEnumerable<KindResult> kinds)
    {
        var all = kinds.SelectMany(k => k.Milliseconds).ToArray();
        s.AppendLine(CultureInfo.InvariantCulture,
            $"| {label} | | {all.Length} | | | **{F(Workload.Percentile(all, 50))}** | {F(Workload.Percentile(all, 95))} | **{F(Workload.Percentile(all, 99))}** | {F(all.DefaultIfEmpty().Max())} |");
    }

    private static string F(double ms) => ms.ToString("F2", CultureInfo.InvariantCulture);
}
