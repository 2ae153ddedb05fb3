using System.Net;
using System.Text.Json;
using ApiHost.Platform;
using Grains.Interfaces.Tenants;
using Grains.Platform.Hosting;
using Grains.Tenants;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Metadata;
using Tests.Infrastructure;

namespace Tests.Platform;

/// <summary>The default topology: ApiHost with a co-hosted in-memory silo, nothing else running.</summary>
public sealed class EmbeddedTopologyTests
{
    [Fact]
    public async Task Health_reports_memory_storage_and_one_active_silo()
    {
        await using var api = new EmbeddedApi();
        var http = api.CreateClient();

        var response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("memory", body.GetProperty("checks").GetProperty("storage").GetProperty("provider").GetString());
        Assert.Equal("up", body.GetProperty("checks").GetProperty("storage").GetProperty("status").GetString());
        Assert.Equal(1, body.GetProperty("checks").GetProperty("cluster").GetProperty("active_silos").GetInt32());
        Assert.True(body.TryGetProperty("timestamp", out _));
    }

    [Fact]
    public async Task Health_answers_liveness_and_readiness_types()
    {
        await using var api = new EmbeddedApi();
        var http = api.CreateClient();

        var liveness = JsonDocument.Parse(await http.GetStringAsync("/health?type=liveness")).RootElement;
        var readiness = JsonDocument.Parse(await http.GetStringAsync("/health?type=readiness")).RootElement;

        Assert.Equal("healthy", liveness.GetProperty("status").GetString());
        Assert.False(liveness.TryGetProperty("checks", out _));
        Assert.True(readiness.GetProperty("ready").GetBoolean());
    }

    [Fact]
    public async Task Ready_is_200_once_the_silo_serves()
    {
        await using var api = new EmbeddedApi();
        var response = await api.CreateClient().GetAsync("/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Dashboard_is_served_under_dashboard_where_management_routes_are_served()
    {
        // No separate management port: the dashboard is on the process's port (as on a Silo).
        await using var api = new EmbeddedApi(new Dictionary<string, string?> { ["Management:Urls"] = "" });
        var response = await api.CreateClient().GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("html", response.Content.Headers.ContentType?.MediaType ?? "");
        Assert.Contains(api.Services.GetServices<IHostedService>(), s => s.GetType().Namespace?.StartsWith("Orleans.Dashboard") == true);
    }

    [Fact]
    public async Task With_the_dashboard_off_it_is_not_served_and_its_services_are_absent()
    {
        await using var api = new EmbeddedApi(new Dictionary<string, string?> { ["Management:Urls"] = "", ["Dashboard:Enabled"] = "false" });
        var client = api.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dashboard/")).StatusCode);
        Assert.DoesNotContain(api.Services.GetServices<IHostedService>(), s => s.GetType().Namespace?.StartsWith("Orleans.Dashboard") == true);
        // The product itself is unaffected.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Grain_interface_types_are_answered_from_the_cache_with_the_value_Orleans_derives()
    {
        await using var api = new EmbeddedApi();
        api.CreateClient();
        var providers = api.Services.GetServices<IGrainInterfaceTypeProvider>().ToList();
        var cache = Assert.IsType<CachedGrainInterfaceTypes>(providers[0]);
        var resolver = api.Services.GetRequiredService<GrainInterfaceTypeResolver>();

        // Asked first, the cache answers with what Orleans' own providers and convention give for the interface.
        Assert.Equal(resolver.GetGrainInterfaceTypeByConvention(typeof(ITenantGrain)), resolver.GetGrainInterfaceType(typeof(ITenantGrain)));
        Assert.True(cache.TryGetGrainInterfaceType(typeof(ITenantGrain), out var cached));
        Assert.Equal(resolver.GetGrainInterfaceTypeByConvention(typeof(ITenantGrain)), cached);
        // A reference made through it reaches the grain.
        Assert.NotNull(await api.Services.GetRequiredService<IGrainFactory>().GetGrain<ITenantGrain>(BootstrapAdminKey.DefaultTenantId).Get());
    }

    [Fact]
    public async Task Configured_bootstrap_admin_key_is_registered_with_scope_star()
    {
        const string adminKey = "sb_live_us_EmbeddedBootstrapKey01";
        await using var api = new EmbeddedApi(new Dictionary<string, string?> { ["Bootstrap:AdminKey"] = adminKey });
        api.CreateClient();

        var grains = api.Services.GetRequiredService<IGrainFactory>();
        var record = await grains.GetGrain<IApiKeyGrain>(ApiKeySecrets.Hash(adminKey)).Get();

        Assert.NotNull(record);
        Assert.Equal(BootstrapAdminKey.DefaultTenantId, record.TenantId);
        Assert.Equal(["*"], record.Scopes);
        Assert.Equal("sb_live_us_", record.Prefix);
        Assert.NotNull(await grains.GetGrain<ITenantGrain>(BootstrapAdminKey.DefaultTenantId).Get());
    }

    [Fact]
    public async Task Without_a_configured_key_embedded_mode_prints_a_new_one_once()
    {
        var output = new StringWriter();
        await using var api = new EmbeddedApi().WithWebHostBuilder(web =>
            web.ConfigureServices(s => s.AddSingleton(new BootstrapKeyOutput(output))));
        api.CreateClient();

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var key = line.Split(": ")[1].Trim();
        Assert.True(ApiKeySecrets.IsWellFormed(key), key);
        var record = await api.Services.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyGrain>(ApiKeySecrets.Hash(key)).Get();
        Assert.NotNull(record);
    }

    [Fact]
    public void A_malformed_bootstrap_key_stops_start_up_with_a_clear_message()
    {
        using var api = new EmbeddedApi(new Dictionary<string, string?> { ["Bootstrap:AdminKey"] = "not-a-key" });
        var error = Assert.ThrowsAny<Exception>(() => api.CreateClient());
        Assert.Contains("Bootstrap:AdminKey", error.ToString());
    }
}
