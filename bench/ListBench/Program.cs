using System.Diagnostics;
using System.Globalization;
using Grains.Interfaces.Projections;
using Grains.Platform.Postgres;
using Grains.Projections;
using Harness;
using ListBench;
using Microsoft.Extensions.Logging.Abstractions;

// The list read-model benchmark: 100,000 customers in one tenant (plus noise) in a fresh PostgreSQL database,
// then filtered, paged PostgresProjectionStore.QueryAsync calls timed one at a time and concurrently.
// Usage: bash bench/bench.sh list [--rows N] [--queries N] [--workers N] [--keep-db]  (or dotnet run -c Release --project bench/ListBench -- --postgres CS ...)
var options = BenchArgs.Parse(args);
var baseConnection = options.Postgres ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
var rows = options.Int("rows", 100_000);
var noiseTenants = options.Int("noise-tenants", 20);
var noiseRows = options.Int("noise-rows", 5_000);
var queries = options.Int("queries", 6_000);
var workers = options.Int("workers", 4);

await using var database = await BenchDatabase.CreateAsync(baseConnection, "listbench", options.Has("keep-db"));
var connectionString = database.ConnectionString;
Console.WriteLine($"listbench: database {database.Name}");
await new SchemaMigrator(connectionString, NullLogger<SchemaMigrator>.Instance).MigrateAsync();
var dataSource = PostgresDataSource.For(connectionString);
var store = new PostgresProjectionStore(dataSource);

// Seed: the measured tenant (keeping every 50th row as cursor/search samples), then the noise.
var dataset = new Dataset(seed: 20261101);
var sample = new List<ProjectionRow>();
var seeding = Stopwatch.StartNew();
await store.ImportAsync(dataset.Customers(Dataset.Tenant, rows).Select((row, i) =>
{
    if (i % 50 == 0)
    {
        sample.Add(row);
    }

    return row;
}));
var seedSeconds = seeding.Elapsed.TotalSeconds;
await store.ImportAsync(dataset.Customers(Dataset.Tenant, rows / 5, "product"));
for (var t = 0; t < noiseTenants; t++)
{
    await store.ImportAsync(dataset.Customers($"ten_noise{t:D2}:live", noiseRows));
}

Console.WriteLine($"listbench: seeded {rows:N0} rows in {seedSeconds:F1} s, noise in {seeding.Elapsed.TotalSeconds - seedSeconds:F1} s");
// What autovacuum does after a bulk load: statistics, and the visibility map that lets count(*) use index-only scans.
await database.ExecuteAsync("VACUUM (ANALYZE) resource_projection");

// Other processes on the machine (builds, other benchmarks) show up in the tail; record how busy it was.
var loadBefore = MachineInfo.LoadAverage();
var workload = new Workload(store, sample);
await workload.RunAsync(1, 500, seed: 1);
var sequential = await workload.RunAsync(1, queries, seed: 2);
Console.WriteLine($"listbench: sequential {queries} queries in {sequential.Seconds:F1} s");
var concurrent = await workload.RunAsync(workers, queries / workers, seed: 3);
Console.WriteLine($"listbench: {workers} workers, {queries} queries in {concurrent.Seconds:F1} s");

var deep = new List<double>();
for (var i = 0; i < 50; i++)
{
    var started = Stopwatch.GetTimestamp();
    await store.QueryAsync(Dataset.Tenant, Dataset.Customer, new ListQuery(Limit: 50, Offset: 50_000, Status: "active"), null);
    deep.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

var alternatives = new Alternatives(dataSource);
var compared = await alternatives.CompareAsync(200, seed: 4);
var plans = new List<(string, string)>
{
    ("page: status=active, offset 500", await alternatives.ExplainAsync(Alternatives.Variants[0].Sql, "active", 500)),
    ("total from counters: status=active", await alternatives.ExplainAsync(
        "SELECT coalesce(sum(n), 0)::bigint FROM resource_projection_count WHERE partition = $1 AND resource_type = $2 AND status = $3", "active")),
    ("total by count(*) (what counters avoid): status=active", await alternatives.ExplainAsync(
        "SELECT count(*) FROM resource_projection WHERE partition = $1 AND resource_type = $2 AND status = $3", "active")),
    ("page: filters {country} + status=active, offset 100", await alternatives.ExplainAsync(
        "SELECT id FROM resource_projection WHERE partition = $1 AND resource_type = $2 AND status = $3 AND filters @> $4::jsonb ORDER BY created_at DESC, id DESC LIMIT 26 OFFSET 100",
        "active", "{\"country\":\"AU\"}")),
    ("total by count(*): filters {country} + status=active", await alternatives.ExplainAsync(
        "SELECT count(*) FROM resource_projection WHERE partition = $1 AND resource_type = $2 AND status = $3 AND filters @> $4::jsonb",
        "active", "{\"country\":\"AU\"}")),
    ("page: search one last-name token", await alternatives.ExplainAsync(
        "SELECT id FROM resource_projection WHERE partition = $1 AND resource_type = $2 AND search_tokens @> $3 ORDER BY created_at DESC, id DESC LIMIT 51",
        (object)new[] { Dataset.Token("n", Dataset.LastName(7)) })),
};

IReadOnlyList<(string, string)> environment =
[
    .. await Report.EnvironmentAsync(dataSource),
    ("load average 1/5/15 min, before / after the runs", $"{loadBefore} / {MachineInfo.LoadAverage()}"),
];
var report = Report.Render(new Report.Input(rows, noiseTenants, noiseRows, rows / 5, seedSeconds, queries, workers,
    sequential, concurrent, deep, compared, plans, environment));
var output = options.String("out") is { } path ? path : Path.Combine(options.ResultsDirectory, "list-latest.md");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, report);
Console.WriteLine(report);
Console.WriteLine($"listbench: wrote {output}");
