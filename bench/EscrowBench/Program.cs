using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Harness;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Products;
using Grains.Platform;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

// Escrow expiry at scale, cluster mode (one silo on PostgreSQL: grain state, reminders, projection, audit, events):
// seeds --deals deals, each holding an escrow; --due of them expire within one minute starting --due-in seconds after
// they are created, the rest in 7 days. Reports silo memory, reminder rows, and how late each due expiry committed.
var options = BenchArgs.Parse(args);
var total = options.Int("deals", 100_000);
var due = Math.Min(options.Int("due", 10_000), total);
var dueIn = options.Int("due-in", 120);
var concurrency = options.Int("concurrency", 64);
await using var pg = await BenchDatabase.CreateAsync(options.RequirePostgres(), "bench_escrow", options.Has("keep-db"));
var db = pg.ConnectionString;
var loadBefore = MachineInfo.LoadAverage();

var builder = Host.CreateApplicationBuilder();
builder.Configuration[ConfigurationKeys.EncryptionMasterKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddPostgresSchemaMigrations(db);
builder.UseOrleans(silo => silo.ConfigureClusterSilo(new OrleansSettings
{
    ClusterId = pg.Name, ServiceId = pg.Name, SiloPort = options.Int("silo-port", 11911), GatewayPort = options.Int("gateway-port", 30911),
    AdvertisedHost = "127.0.0.1",
}, db));
using var host = builder.Build();
await host.StartAsync();
var grains = host.Services.GetRequiredService<IGrainFactory>();
var partition = $"{ResourceIds.New("ten")}:live";
var actor = new DealActor("key_bench", "api_key");
var customerId = ResourceIds.New(CustomerKeys.IdPrefix);
await grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, customerId)).Create(new CustomerFields { Name = "Bench Buyer", Email = "buyer@example.com" });
var productId = ResourceIds.New(ProductKeys.IdPrefix);
await grains.GetGrain<IProductGrain>(ProductKeys.Grain(partition, productId)).Create(new ProductFields { Name = "Plan", Price = 99m });

// 1. Deals up to pending_payment (create-configured, transition, two signatures), then the 7-day escrows.
var keys = Enumerable.Range(0, total).Select(_ => DealKeys.Grain(partition, ResourceIds.New(DealKeys.IdPrefix))).ToArray();
var seed = Stopwatch.StartNew();
await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (key, _) =>
{
    var deal = grains.GetGrain<IDealGrain>(key);
    await deal.CreateConfigured(new DealConfiguration(new DealFields("Escrowed", customerId, null, "USD", 0.1m, DealKeys.OneTime, null, null, null, null),
        [new DealItemInput(productId, "Plan", 99m, 1)], [], null), dryRun: false, actor);
    await deal.Transition(DealStatuses.InProgress, null, actor);
    await deal.Sign(new DealSignRequest("api_key", "key_bench", null, false), actor);
    await deal.Sign(new DealSignRequest("customer", customerId, customerId, true), actor);
});
var background = keys[due..];
await Parallel.ForEachAsync(background, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (key, _) =>
    await grains.GetGrain<IDealEscrowGrain>(key).CreateEscrow(
        new EscrowRequest([new EscrowConditionInput("delivery", null)], null, null, EscrowKeys.DefaultExpiresInSeconds), actor));
var seeded = seed.Elapsed;
Console.WriteLine($"seeded {total} deals in {seeded.TotalSeconds:F0} s");

// 2. The due escrows: expires_at spread over one minute starting dueIn seconds from now.
var window = DateTimeOffset.UtcNow.AddSeconds(dueIn);
var dueKeys = keys[..due];
await Parallel.ForEachAsync(Enumerable.Range(0, due), new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, _) =>
{
    var expiresIn = (int)Math.Ceiling((window - DateTimeOffset.UtcNow).TotalSeconds) + i % 60;
    await grains.GetGrain<IDealEscrowGrain>(dueKeys[i]).CreateEscrow(
        new EscrowRequest([new EscrowConditionInput("delivery", null)], null, null, expiresIn), actor);
});
var created = DateTimeOffset.UtcNow;
Console.WriteLine($"{due} due escrows created; window starts in {(window - created).TotalSeconds:F0} s");

GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
var memory = Process.GetCurrentProcess();
memory.Refresh();
var heapMb = GC.GetTotalMemory(forceFullCollection: false) / 1048576.0;
var workingSetMb = memory.WorkingSet64 / 1048576.0;
var reminderRows = long.Parse(await pg.ScalarAsync("SELECT count(*) FROM orleans_reminders"), CultureInfo.InvariantCulture);

// 3. Wait for every due expiry to commit (the grain records refunded_at when it applied it), at most window + 10 min.
var deadline = window.AddSeconds(60 + 600);
List<DealEscrow> escrows = [];
while (DateTimeOffset.UtcNow < deadline)
{
    await Task.Delay(TimeSpan.FromSeconds(5));
    escrows = [.. await Task.WhenAll(dueKeys.Select(k => grains.GetGrain<IDealEscrowGrain>(k).Escrow()))];
    var done = escrows.Count(e => e.Status == EscrowKeys.Refunded);
    Console.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} refunded {done}/{due}");
    if (done == due)
    {
        break;
    }
}
var lags = escrows.Where(e => e.RefundedAt is not null).Select(e => (e.RefundedAt!.Value - e.ExpiresAt).TotalSeconds).Order().ToList();
double Pct(double p) => lags.Count == 0 ? double.NaN : lags[Math.Clamp((int)Math.Ceiling(p * lags.Count) - 1, 0, lags.Count - 1)];
// A refund is visible as soon as it commits; the grain removes its reminder right after, so let those trail in (≤ 2 min).
var remindersAfter = long.Parse(await pg.ScalarAsync("SELECT count(*) FROM orleans_reminders"), CultureInfo.InvariantCulture);
for (var waited = 0; remindersAfter > total - due && waited < 120; waited += 5)
{
    await Task.Delay(TimeSpan.FromSeconds(5));
    remindersAfter = long.Parse(await pg.ScalarAsync("SELECT count(*) FROM orleans_reminders"), CultureInfo.InvariantCulture);
}
var report = $"""
    # Escrow expiry bench ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)

    One silo, cluster mode on PostgreSQL (grain state, reminders, projection, audit, event log), in-process grain calls,
    {Environment.ProcessorCount} cores shared with PostgreSQL, load average {loadBefore} before, {MachineInfo.LoadAverage()} after.
    `{options.Command("EscrowBench")}`

    | figure | value |
    |---|---|
    | deals, each with a held escrow | {total} |
    | seeding (create-configured, transition, 2 signatures, escrow) | {seeded.TotalSeconds:F0} s |
    | silo process working set after seeding (all deals active) | {workingSetMb:F0} MB |
    | managed heap after a full GC | {heapMb:F0} MB ({heapMb * 1024 / total:F1} KB per deal) |
    | reminder rows (`orleans_reminders`) | {reminderRows} |
    | expiries due within one minute | {due} |
    | committed | {lags.Count} |
    | lag p50 / p99 / max (refunded_at − expires_at) | {Pct(0.5):F1} s / {Pct(0.99):F1} s / {(lags.Count == 0 ? double.NaN : lags[^1]):F1} s |
    | within 60 s of due | {lags.Count(l => l <= 60)} of {due} |
    | reminder rows once the expired deals removed theirs (expected {total - due}) | {remindersAfter} |
    """;
Console.WriteLine(report);
Console.WriteLine($"wrote {await ReportFiles.WriteMarkdownAsync(options.ResultsDirectory, "escrow", report + "\n")}");
await host.StopAsync();
NpgsqlConnection.ClearAllPools();
