using System.Security.Cryptography;
using System.Text;
using Grains.Interfaces.Projections;

namespace ListBench;

/// <summary>
/// A deterministic customer population: one big tenant (the measured one) plus noise in other tenants and
/// another resource type. Search tokens imitate blind indexes (short hashes of normalised words), drawn
/// from one vocabulary for every tenant, which is pessimistic: real blind indexes are keyed per tenant, so
/// other tenants' rows would not share the GIN posting lists.
/// </summary>
public sealed class Dataset(int seed)
{
    public const string Tenant = "ten_bench:live";
    public const string Customer = "customer";
    public static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    public static readonly string[] Countries = ["AU", "US", "GB", "NZ", "DE", "FR", "CA", "JP", "SG", "IN", "BR", "ZA"];

    private static readonly string[] FirstNames = Words("first", 300);
    private static readonly string[] LastNames = Words("last", 1500);
    private static readonly string[] Companies = Words("company", 6000);

    /// <summary>The blind-index token of a normalised search word.</summary>
    public static string Token(string kind, string word) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{kind}:{word}")))[..16];

    public static string LastName(int index) => LastNames[index % LastNames.Length];

    public static string Email(int index) => $"user{index}@example.com";

    /// <summary>
    /// Customers of <paramref name="partition"/>: created over two years, every 20th batch of ten sharing one
    /// created_at (an import), statuses 70/20/10 active/inactive/archived, a country filter, five tokens.
    /// </summary>
    public IEnumerable<ProjectionRow> Customers(string partition, int count, string resourceType = Customer)
    {
        var random = new Random(seed ^ partition.GetHashCode(StringComparison.Ordinal) ^ resourceType.Length);
        var span = TimeSpan.FromDays(730).TotalSeconds;
        var shared = Now;
        for (var i = 0; i < count; i++)
        {
            var created = (i / 10) % 20 == 0
                ? (i % 10 == 0 ? shared = Now.AddSeconds(-random.NextDouble() * span) : shared)
                : Now.AddSeconds(-random.NextDouble() * span).AddTicks(random.Next(10) * 10);
            var updated = created.AddSeconds(random.NextDouble() * (Now - created).TotalSeconds * 0.3);
            var roll = random.Next(10);
            var status = roll < 7 ? "active" : roll < 9 ? "inactive" : "archived";
            var first = FirstNames[random.Next(FirstNames.Length)];
            var last = LastNames[random.Next(LastNames.Length)];
            var company = Companies[random.Next(Companies.Length)];
            var country = Countries[random.Next(Countries.Length)];
            var id = $"cust_{random.NextInt64():x16}";
            string[] tokens = [Token("n", first), Token("n", last), Token("e", Email(i)), Token("c", company), Token("p", $"+614{i:D8}")];
            var document = $$"""
                {"id":"{{id}}","name":"enc:{{Convert.ToBase64String(Encoding.UTF8.GetBytes($"{first} {last}"))}}","email":"enc:{{Convert.ToBase64String(Encoding.UTF8.GetBytes(Email(i)))}}","phone":"enc:AAAAAAAAAAAAAAAA","company":"{{company}}","city":"Sydney","state":"NSW","zip":"2000","country":"{{country}}","status":"{{status}}","notes":"","metadata":{"source":"bench","tier":{{random.Next(4)}}},"created_at":"{{created:O}}","updated_at":"{{updated:O}}"}
                """;
            yield return new ProjectionRow(partition, resourceType, id, 1 + random.Next(5), status, Micro(created), Micro(updated),
                new Dictionary<string, string> { ["country"] = country }, tokens, document);
        }
    }

    // What timestamptz keeps, so cursors built from generated rows match the stored ones.
    private static DateTimeOffset Micro(DateTimeOffset at) => new(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    private static string[] Words(string kind, int count) =>
        [.. Enumerable.Range(0, count).Select(i => $"{kind}{i:D4}")];
}
