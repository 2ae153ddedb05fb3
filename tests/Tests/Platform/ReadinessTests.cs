using System.Net;
using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Tests.Infrastructure;

namespace Tests.Platform;

public sealed class ReadinessTests
{
    [Fact]
    public async Task Ready_is_503_while_no_silo_serves_and_health_still_answers_200()
    {
        // An Orleans client that never connected: exactly the state before the silo is serving.
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{TestPorts.Free()}");
        builder.Services.AddSingleton(TimeProvider.System);
        builder.UseOrleansClient(client => client.UseLocalhostClustering(TestPorts.Free()));
        builder.Services.AddHealthReporting(postgresConnectionString: null);
        // Keep Kestrel, drop the client's connect-on-start service: the client stays unconnected.
        foreach (var orleansStartup in builder.Services
                     .Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Namespace?.StartsWith("Microsoft.AspNetCore") != true)
                     .ToList())
        {
            builder.Services.Remove(orleansStartup);
        }
        await using var app = builder.Build();
        app.MapHealthEndpoints();
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };

        var ready = await http.GetAsync("/ready");
        var health = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Contains("\"unhealthy\"", await health.Content.ReadAsStringAsync());
    }
}
