using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Grains.Platform.Health;

/// <summary>Public, unauthenticated health endpoints served by both ApiHost and Silo.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        // The document's /health is always 200: the body says how healthy; `type` narrows it.
        app.MapGet("/health", async Task<IResult> (string? type, HealthReporter health, TimeProvider time, CancellationToken ct) =>
        {
            switch (type)
            {
                case "liveness":
                    return TypedResults.Ok(new { status = "healthy", timestamp = time.GetUtcNow() });
                case "readiness":
                    var ready = await health.IsReadyAsync(ct);
                    return TypedResults.Ok(new { status = ready ? "healthy" : "unhealthy", ready, timestamp = time.GetUtcNow() });
                default:
                    return TypedResults.Ok(await health.ReportAsync(ct));
            }
        }).ExcludeFromDescription();

        app.MapGet("/ready", async Task<Results<Ok<ReadyBody>, JsonHttpResult<ReadyBody>>> (HealthReporter health, CancellationToken ct) =>
            await health.IsReadyAsync(ct)
                ? TypedResults.Ok(new ReadyBody("ready"))
                : TypedResults.Json(new ReadyBody("starting"), statusCode: StatusCodes.Status503ServiceUnavailable))
            .ExcludeFromDescription();

        return app;
    }

    public sealed record ReadyBody(string Status);
}

public static class HealthServiceCollectionExtensions
{
    /// <param name="postgresConnectionString">Null when storage is in memory (embedded mode).</param>
    public static IServiceCollection AddHealthReporting(this IServiceCollection services, string? postgresConnectionString) =>
        services.AddSingleton(sp => new HealthReporter(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<HealthReporter>>(),
            postgresConnectionString));
}
