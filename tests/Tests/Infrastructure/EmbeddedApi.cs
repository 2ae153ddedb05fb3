using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Tests.Infrastructure;

/// <summary>
/// ApiHost in its default embedded topology, through the real HTTP pipeline, on ports of its own
/// so test classes can run side by side.
/// </summary>
public class EmbeddedApi : WebApplicationFactory<ApiHost.ApiHostAssembly>
{
    private readonly Dictionary<string, string?> settings;

    public EmbeddedApi(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        settings = new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = TestPorts.Free().ToString(),
            ["Orleans:GatewayPort"] = TestPorts.Free().ToString(),
            // Test classes send thousands of requests from one address (and some with one key) in parallel;
            // rate-limit tests set small limits themselves. The product defaults stay the document's.
            ["RateLimits:KeyPerMinute"] = "1000000",
            ["RateLimits:IpAuthenticatedPerHour"] = "10000000",
            ["RateLimits:IpUnauthenticatedPerHour"] = "10000000",
            ["RateLimits:GlobalPerMinute"] = "10000000",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
    }
}
