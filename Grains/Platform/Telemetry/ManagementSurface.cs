using Grains.Interfaces.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;
using OpenTelemetry.Metrics;

namespace Grains.Platform.Telemetry;

/// <summary>
/// The Orleans dashboard and the Prometheus <c>/metrics</c> page: for operators, not API clients. When
/// <c>Management:Urls</c> names listen addresses, the process listens on them too and serves these routes only
/// there; every other port answers 404 for them. Neither appears in the OpenAPI document.
/// </summary>
/// <remarks>
/// ApiHost defaults to <see cref="ApiHostDefaultUrls"/> (loopback). A Silo serves no public API: without
/// <c>Management:Urls</c> its own HTTP port is its management port.
/// </remarks>
public static class ManagementSurface
{
    public const string SectionName = "Management";
    public const string UrlsKey = $"{SectionName}:Urls";
    public const string ApiHostDefaultUrls = "http://127.0.0.1:5081";
    public const string DashboardPath = ManagementPaths.Dashboard;
    public const string MetricsPath = ManagementPaths.Metrics;

    /// <summary>Adds the management addresses (<c>Management:Urls</c>, else <paramref name="defaultUrls"/>) to the ones Kestrel listens on.</summary>
    /// <param name="publicUrls">The process's own listen addresses (<c>urls</c>, or its default).</param>
    public static void ListenForManagement(this IWebHostBuilder webHost, IConfiguration configuration, string publicUrls, string? defaultUrls)
    {
        var management = Split(configuration[UrlsKey] ?? defaultUrls);
        var ports = PortsOf(management);
        var clash = Split(publicUrls).Select(PortOf).Where(ports.Contains).ToList();
        if (clash.Count > 0)
        {
            throw new InvalidOperationException($"{UrlsKey} must use ports of its own; {string.Join(", ", clash)} is also a public port.");
        }
        webHost.UseUrls([.. Split(publicUrls), .. management]);
        webHost.ConfigureServices(services => services.AddSingleton(new ManagementPorts(ports)));
    }

    /// <summary>Maps the dashboard and (with telemetry on) <c>/metrics</c>, kept off the public ports and out of the API description.</summary>
    public static WebApplication MapManagementEndpoints(this WebApplication app)
    {
        if (Hosting.OrleansHosting.DashboardEnabled(app.Configuration))
        {
            app.MapOrleansDashboard(DashboardPath).ExcludeFromDescription();
        }
        if (TelemetrySettings.From(app.Configuration).Enabled)
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath).ExcludeFromDescription();
        }
        return app;
    }

    /// <summary>First in the pipeline: on a port that is not a management port, the management routes do not exist.</summary>
    public static IApplicationBuilder UseManagementSurface(this IApplicationBuilder app)
    {
        var ports = app.ApplicationServices.GetService<ManagementPorts>();
        if (ports is null || ports.Ports.Count == 0)
        {
            return app;
        }
        return app.Use((context, next) =>
        {
            if (IsManagementPath(context.Request.Path) && !ports.Ports.Contains(context.Connection.LocalPort))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }
            return next(context);
        });
    }

    public static bool IsManagementPath(PathString path) => ManagementPaths.Contains(path.Value);

    /// <summary>Health and readiness probes and the management routes: not worth a span each.</summary>
    public static bool IsProbe(PathString path) =>
        IsManagementPath(path) || path.StartsWithSegments("/health") || path.StartsWithSegments("/ready");

    private static string[] Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static HashSet<int> PortsOf(IEnumerable<string> urls)
    {
        var ports = new HashSet<int>();
        foreach (var url in urls)
        {
            var port = PortOf(url);
            if (port <= 0)
            {
                throw new InvalidOperationException($"{UrlsKey}: '{url}' is not a listen address with a fixed port (http://127.0.0.1:5081).");
            }
            ports.Add(port);
        }
        return ports;
    }

    /// <summary>The port of a Kestrel listen address (it accepts * and + as hosts, Uri does not); -1 when unreadable.</summary>
    private static int PortOf(string url) =>
        Uri.TryCreate(url.Replace("://*", "://any", StringComparison.Ordinal).Replace("://+", "://any", StringComparison.Ordinal),
            UriKind.Absolute, out var uri) ? uri.Port : -1;

    private sealed record ManagementPorts(IReadOnlySet<int> Ports);
}
