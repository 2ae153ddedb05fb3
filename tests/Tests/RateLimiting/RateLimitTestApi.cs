using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tests.Infrastructure;

namespace Tests.RateLimiting;

/// <summary>
/// The embedded API with small rate limits and a fake clock shared by the ApiHost and its silo, so a
/// test moves through windows and burst refills without waiting. Clients are told apart by
/// <c>X-Forwarded-For</c>, which these settings trust.
/// </summary>
public class RateLimitTestApi(IReadOnlyDictionary<string, string?> limits) : EmbeddedApi(WithDefaults(limits))
{
    public const string AdminKey = "sb_live_us_RateLimitTestsAdmin0001";

    public FakeTimeProvider Time { get; } = new(GrainTestCluster.Epoch);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    /// <summary>A client appearing to come from <paramref name="ip"/>, with <paramref name="key"/> if given.</summary>
    public HttpClient Client(string ip, string? key = null)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Add("X-Forwarded-For", ip);
        return key is null ? http : http.WithKey(key);
    }

    /// <summary>Creates a key with the admin scope and its own per-minute limit.</summary>
    public async Task<string> CreateKeyAsync(string name, int ratePerMinute)
    {
        var response = await Client("192.0.2.1", AdminKey).PostAsJsonAsync("/v1/keys",
            new { name, scopes = new[] { "admin" }, rate_limit_per_minute = ratePerMinute });
        var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.True(response.IsSuccessStatusCode, json.ToString());
        return json.GetProperty("data").GetProperty("secret").GetString()!;
    }

    private static Dictionary<string, string?> WithDefaults(IReadOnlyDictionary<string, string?> limits)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Bootstrap:AdminKey"] = AdminKey,
            ["RateLimits:TrustForwardedFor"] = "true",
            ["RateLimits:KeyPerMinute"] = "1000",
            ["RateLimits:BurstPercent"] = "25",
            ["RateLimits:IpAuthenticatedPerHour"] = "5000",
            ["RateLimits:IpUnauthenticatedPerHour"] = "1000",
            ["RateLimits:GlobalPerMinute"] = "100000",
        };
        foreach (var (key, value) in limits)
        {
            settings[key] = value;
        }
        return settings;
    }
}
