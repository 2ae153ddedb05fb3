using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;

namespace Grains.Platform.Cluster;

/// <summary>
/// Tells a cluster client (ApiHost in client mode) that a silo died, so calls stuck on it answer 503 at once instead of
/// waiting out <see cref="Hosting.ClusterTimeouts.ClientResponse"/>. A call in flight on a silo killed with -9 is never
/// answered and no part of Orleans tells the client (a client does not track its calls per target silo), so the client
/// reads the membership table itself, every <see cref="PollEvery"/>: a silo it saw <c>Active</c> that is now
/// <c>Dead</c> with suspicion votes was voted dead by its peers (a crash, not a graceful stop, which passes through
/// <c>ShuttingDown</c> and collects no votes). Then <see cref="SiloLossCallFilter"/> fails the calls that had been
/// running for <see cref="StuckAfter"/> when the death was seen. Those are the stuck ones: the vote takes seconds,
/// and a healthy call takes milliseconds. See docs/decisions.md, "Faults".
/// </summary>
public sealed partial class SiloLossWatch(
    NpgsqlDataSource membership,
    IOptions<ClusterOptions> cluster,
    InFlightCalls calls,
    TimeProvider time,
    ILogger<SiloLossWatch> logger) : BackgroundService
{
    public static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>How long a call must have been running when a death is seen to count as stuck on the dead silo.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(1);

    private const int Active = 3;
    private const int Dead = 6;

    private readonly Dictionary<(string Address, int Port, int Generation), int> lastSeen = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollEvery, time);
        var first = true;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var silo in await ReadAsync(stoppingToken))
                {
                    var key = (silo.Address, silo.Port, silo.Generation);
                    var crashed = !first && silo.Status == Dead && silo.Voted && lastSeen.GetValueOrDefault(key) == Active;
                    lastSeen[key] = silo.Status;
                    if (crashed)
                    {
                        var failed = calls.FailStuck(StuckAfter, $"silo {silo.Address}:{silo.Port} died while the call was in flight");
                        LogSiloDied(logger, silo.Address, silo.Port, failed);
                    }
                }
                first = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // PostgreSQL away: calls then fall back on the response timeout.
                LogPollFailed(logger, ex);
            }
        }
    }

    private async Task<List<SiloRow>> ReadAsync(CancellationToken cancellationToken)
    {
        await using var command = membership.CreateCommand(
            "SELECT address, port, generation, status, coalesce(suspect_times, '') <> '' FROM orleans_membership WHERE deployment_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = cluster.Value.ClusterId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<SiloRow>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(new SiloRow(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetBoolean(4)));
        }
        return rows;
    }

    /// <summary>The watch owns its data source (made for it at registration).</summary>
    public override void Dispose()
    {
        base.Dispose();
        membership.Dispose();
    }

    private sealed record SiloRow(string Address, int Port, int Generation, int Status, bool Voted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Silo {Address}:{Port} was voted dead; failed {Calls} grain calls stuck on it with 503")]
    private static partial void LogSiloDied(ILogger logger, string address, int port, int calls);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Could not read the membership table; stuck calls wait for the response timeout")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
