using System.Diagnostics;
using System.Text.Json.Serialization;
using Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Grains.Platform.Health;

/// <summary>
/// Answers /health and /ready for ApiHost and Silo alike: storage reachability and cluster membership.
/// Storage is checked directly (one round trip); membership through a silo's view of it.
/// </summary>
public sealed class HealthReporter(
    IGrainFactory grains,
    TimeProvider time,
    ILogger<HealthReporter> logger,
    string? postgresConnectionString)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(2);

    public async Task<HealthReport> ReportAsync(CancellationToken cancellationToken)
    {
        var storage = CheckStorageAsync(cancellationToken);
        var cluster = CheckClusterAsync(cancellationToken);
        var checks = new HealthChecks(await storage, await cluster);
        var status = checks.Storage.Status == "up" && checks.Cluster.Status == "up" ? "healthy" : "unhealthy";
        return new HealthReport(status, checks, time.GetUtcNow());
    }

    /// <summary>
    /// True when writes can succeed: a grain call round-trips (a silo is up and activating grains) and the storage
    /// answers (PostgreSQL in the cluster topology).
    /// </summary>
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            var storage = CheckStorageAsync(cancellationToken);
            await grains.GetGrain<IClusterProbeGrain>(0).Ping().WaitAsync(CheckTimeout, cancellationToken);
            return (await storage).Status == "up";
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogDebug(ex, "Readiness probe failed");
            return false;
        }
    }

    private async Task<StorageCheck> CheckStorageAsync(CancellationToken cancellationToken)
    {
        if (postgresConnectionString is null)
        {
            return new StorageCheck("up", "memory", 0);
        }

        var started = Stopwatch.GetTimestamp();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CheckTimeout);
            await using var connection = new NpgsqlConnection(postgresConnectionString);
            await connection.OpenAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(timeout.Token);
            return new StorageCheck("up", "postgres", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2));
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            logger.LogWarning(ex, "Storage health check failed");
            return new StorageCheck("down", "postgres", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2));
        }
    }

    private async Task<ClusterCheck> CheckClusterAsync(CancellationToken cancellationToken)
    {
        try
        {
            // Membership as a silo sees it, not the management grain's GetHosts: that re-reads the membership table and
            // so reported the cluster down (0 silos) whenever PostgreSQL was, with every silo running.
            var active = await grains.GetGrain<IClusterProbeGrain>(0).ActiveSilos().WaitAsync(CheckTimeout, cancellationToken);
            return new ClusterCheck(active > 0 ? "up" : "down", active);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(ex, "Cluster health check failed");
            return new ClusterCheck("down", 0);
        }
    }
}

public sealed record HealthReport(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("checks")] HealthChecks Checks,
    [property: JsonPropertyName("timestamp")] DateTimeOffset Timestamp);

public sealed record HealthChecks(
    [property: JsonPropertyName("storage")] StorageCheck Storage,
    [property: JsonPropertyName("cluster")] ClusterCheck Cluster);

public sealed record StorageCheck(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("provider")] string Provider,
    [property: JsonPropertyName("latency_ms")] double LatencyMs);

public sealed record ClusterCheck(
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("active_silos")] int ActiveSilos);
