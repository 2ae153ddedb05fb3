using System.Diagnostics;
using Grains.Interfaces.Projections;
using Grains.Projections;

namespace ListBench;

/// <summary>One kind of list request: how to draw a random instance of it.</summary>
/// <param name="CustomerParameters">Uses only what the document lets a customer list filter by (status, search,
/// sort, paging); the target is stated for these. The others are product/deal-style filters, reported alongside.</param>
public sealed record QueryKind(string Name, string Description, bool CustomerParameters, Func<Random, (ListQuery Query, string[]? Tokens)> Next);

/// <summary>Latencies of one kind (milliseconds), plus how many rows its pages returned on average.</summary>
public sealed record KindResult(string Name, string Description, bool CustomerParameters, double[] Milliseconds, double AverageItems, double AverageTotal)
{
    public double Percentile(double p) => Workload.Percentile(Milliseconds, p);
}

/// <summary>
/// The measured mix: filtered, paged lists over one tenant's customers as the directory grain issues them
/// (every query also counts its filtered total). Kinds are drawn uniformly at random; latency is the whole
/// <see cref="IProjectionStore.QueryAsync"/> call (pool checkout, one round trip, reading rows).
/// </summary>
public sealed class Workload(IProjectionStore store, IReadOnlyList<ProjectionRow> sample)
{
    public IReadOnlyList<QueryKind> Kinds { get; } = BuildKinds(sample);

    public static QueryKind[] BuildKinds(IReadOnlyList<ProjectionRow> sample)
    {
        ProjectionRow Pick(Random r) => sample[r.Next(sample.Count)];
        string Status(Random r) => r.Next(10) < 7 ? "active" : "inactive";
        return
        [
            new("first-page", "no filter, limit 50, offset 0", true,
                _ => (new ListQuery(Limit: 50), null)),
            new("status+offset", "status (active/inactive), limit 50, offset 0-950", true,
                r => (new ListQuery(Limit: 50, Offset: r.Next(20) * 50, Status: Status(r)), null)),
            new("status+after", "status=active, limit 50, after a cursor anywhere in the list", true,
                r => (new ListQuery(Limit: 50, Status: "active", After: ListCursor.For(Pick(r), ListSort.CreatedAt).Encode()), null)),
            new("before", "no filter, limit 50, before a cursor anywhere in the list", true,
                r => (new ListQuery(Limit: 50, Before: ListCursor.For(Pick(r), ListSort.CreatedAt).Encode()), null)),
            new("updated+offset", "sort=updated_at, limit 50, offset 0-450", true,
                r => (new ListQuery(Limit: 50, Offset: r.Next(10) * 50, Sort: ListSort.UpdatedAt), null)),
            new("country+status", "filters {country}, status=active, limit 25, offset 0-225", false,
                r => (new ListQuery(Limit: 25, Offset: r.Next(10) * 25, Status: "active",
                    Filters: new Dictionary<string, string> { ["country"] = Dataset.Countries[r.Next(Dataset.Countries.Length)] }), null)),
            new("created-range", "status=active, created in a 30-day window, limit 50", false,
                r =>
                {
                    var from = Dataset.Now.AddDays(-r.Next(30, 720));
                    return (new ListQuery(Limit: 50, Status: "active", CreatedAfter: from, CreatedBefore: from.AddDays(30)), null);
                }),
            new("search-name", "search one last-name token (~70 rows in the tenant), limit 50", true,
                r => (new ListQuery(Limit: 50, Search: "x"), [Dataset.Token("n", Dataset.LastName(r.Next(1500)))])),
            new("search-2-tokens", "search first+last name tokens of an existing customer, limit 50", true,
                r => (new ListQuery(Limit: 50, Search: "x"), [.. Pick(r).SearchTokens.Take(2)])),
            new("search-email", "search the email token of an existing customer (1 row)", true,
                r => (new ListQuery(Limit: 50, Search: "x"), [Pick(r).SearchTokens[2]])),
        ];
    }

    /// <summary>Runs <paramref name="count"/> queries per worker on <paramref name="workers"/> concurrent workers.</summary>
    public async Task<(IReadOnlyList<KindResult> Kinds, double Seconds)> RunAsync(int workers, int count, int seed)
    {
        var samples = Kinds.ToDictionary(k => k.Name, _ => new List<(double Ms, int Items, long Total)>());
        var gate = new Lock();
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            var local = new List<(string Kind, double Ms, int Items, long Total)>(count);
            for (var i = 0; i < count; i++)
            {
                var kind = Kinds[random.Next(Kinds.Count)];
                var (query, tokens) = kind.Next(random);
                var started = Stopwatch.GetTimestamp();
                var page = await store.QueryAsync(Dataset.Tenant, Dataset.Customer, query, tokens);
                local.Add((kind.Name, Stopwatch.GetElapsedTime(started).TotalMilliseconds, page.Items.Count, page.Total));
            }

            lock (gate)
            {
                foreach (var (kind, ms, items, total) in local)
                {
                    samples[kind].Add((ms, items, total));
                }
            }
        })));
        var seconds = clock.Elapsed.TotalSeconds;

        var results = Kinds.Select(k => new KindResult(k.Name, k.Description, k.CustomerParameters,
            [.. samples[k.Name].Select(s => s.Ms)],
            samples[k.Name].Count == 0 ? 0 : samples[k.Name].Average(s => s.Items),
            samples[k.Name].Count == 0 ? 0 : samples[k.Name].Average(s => s.Total))).ToList();
        return (results, seconds);
    }

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p) =>
        Harness.Stats.Percentile([.. values.Order()], p / 100) ?? double.NaN;
}
