using System.Globalization;
using System.Text.RegularExpressions;

namespace Tests.Infrastructure;

/// <summary>
/// Where a Silo process spends the time between SIGTERM and its exit, read from its own log: the host's stop markers
/// and Orleans' lifecycle stage timings (<c>Orleans.Runtime.SiloLifecycleSubject</c> at Debug). Pass
/// <see cref="Logging"/> to the process so its log carries them, with UTC timestamps.
/// </summary>
public static partial class SiloStopTimeline
{
    /// <summary>The environment that makes a Silo log its stop with timestamps (one line per entry, UTC).</summary>
    public static IReadOnlyDictionary<string, string?> Logging { get; } = new Dictionary<string, string?>
    {
        ["Logging__Console__FormatterName"] = "simple",
        ["Logging__Console__FormatterOptions__SingleLine"] = "true",
        ["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true",
        ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
        ["Logging__LogLevel__Orleans.Runtime.SiloLifecycleSubject"] = "Debug",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        ["Logging__LogLevel__Microsoft.Extensions.Hosting"] = "Debug",
    };

    /// <summary>
    /// One line: signal to exit, split into the host's phases and Orleans' stop stages (those of 10 ms or more).
    /// <paramref name="signalled"/> and <paramref name="exited"/> are UTC instants taken by the caller.
    /// </summary>
    public static string Describe(string output, DateTime signalled, DateTime exited)
    {
        var lines = output.Split('\n');
        TimeSpan? At(string marker) => lines.Where(l => l.Contains(marker, StringComparison.Ordinal)).Select(Stamp).LastOrDefault(s => s is not null);
        TimeSpan? Stamp(string line)
        {
            var match = StampPattern().Match(line);
            return match.Success ? Since(signalled, TimeOnly.ParseExact(match.Groups[1].Value, "HH:mm:ss.fff", CultureInfo.InvariantCulture)) : null;
        }

        var total = exited - signalled;
        var hostStopping = At("Application is shutting down");
        var orleansStopping = At("Stopping Orleans Silo");
        var orleansStopped = At("Orleans Silo stopped");
        var hostStopped = At("Hosting stopped");
        var stages = lines.Select(l => StagePattern().Match(l)).Where(m => m.Success)
            .Select(m => (Name: m.Groups[1].Value, Took: TimeSpan.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
            .Where(s => s.Took >= TimeSpan.FromMilliseconds(10));
        string S(TimeSpan? t) => t is { } v ? v.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture) : "?";
        TimeSpan? Between(TimeSpan? from, TimeSpan? to) => from is { } f && to is { } t ? t - f : null;
        return $"exit {S(total)} s = signal to host stopping {S(hostStopping)}, hosted services before the silo {S(Between(hostStopping, orleansStopping))}, " +
            $"Orleans stop {S(Between(orleansStopping, orleansStopped))} [{string.Join(", ", stages.Select(s => $"{s.Name} {S(s.Took)}"))}], " +
            $"host after Orleans {S(Between(orleansStopped, hostStopped))}, disposal and process exit {S(Between(hostStopped, total))}";
    }

    // A log line's clock time is of the same day as the signal, or just after midnight.
    private static TimeSpan Since(DateTime signalled, TimeOnly stamp)
    {
        var since = stamp - TimeOnly.FromDateTime(signalled);
        return since > TimeSpan.FromHours(12) ? since - TimeSpan.FromDays(1) : since;
    }

    [GeneratedRegex(@"^(\d\d:\d\d:\d\d\.\d{3}) ")]
    private static partial Regex StampPattern();

    [GeneratedRegex(@"Stopping lifecycle stage '([^']+?)(?: \(-?\d+\))?' took '([^']+)'")]
    private static partial Regex StagePattern();
}
