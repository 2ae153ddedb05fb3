using System.Diagnostics;
using System.Globalization;

namespace Bench;

/// <summary>CPU seconds used so far by the server(s), this driver, all postgres processes, and the whole machine.</summary>
/// <param name="Postgres">CPU seconds per postgres process id (processes come and go between samples).</param>
public sealed record CpuSample(long Timestamp, double Server, double ServerKernel, long ServerSwitches, double Driver, IReadOnlyDictionary<int, double> Postgres, double MachineBusy);

/// <summary>CPU usage between two samples, in cores (CPU seconds per wall second).</summary>
/// <param name="ServerKernel">The part of <paramref name="Server"/> spent in the kernel (system time).</param>
/// <param name="ServerSwitchesPerSecond">Context switches of all server threads per second.</param>
public sealed record CpuUsage(double Server, double Driver, double Postgres, double Other, double MachineBusy, double ServerKernel, double ServerSwitchesPerSecond)
{
    public static CpuUsage? Between(CpuSample? a, CpuSample? b)
    {
        if (a is null || b is null)
        {
            return null;
        }
        var wall = Stopwatch.GetElapsedTime(a.Timestamp, b.Timestamp).TotalSeconds;
        if (wall <= 0)
        {
            return null;
        }
        double Cores(double x, double y) => Math.Round((y - x) / wall, 2);
        var server = Cores(a.Server, b.Server);
        var driver = Cores(a.Driver, b.Driver);
        // Only processes alive at the end count; one started during the window counts in full.
        var postgres = Math.Round(b.Postgres.Sum(p => p.Value - a.Postgres.GetValueOrDefault(p.Key)) / wall, 2);
        var busy = Cores(a.MachineBusy, b.MachineBusy);
        return new CpuUsage(server, driver, postgres, Math.Round(Math.Max(0, busy - server - driver - postgres), 2), busy,
            Cores(a.ServerKernel, b.ServerKernel), Math.Round(Math.Max(0, b.ServerSwitches - a.ServerSwitches) / wall));
    }
}

/// <summary>Reads /proc (Linux); elsewhere every figure but the driver's is 0.</summary>
public static class CpuProbe
{
    private static readonly double TicksPerSecond = 100; // USER_HZ is 100 on every mainstream Linux build

    public static CpuSample Sample(IEnumerable<int> serverPids)
    {
        var pids = serverPids.ToArray();
        var server = pids.Sum(ProcessSeconds);
        var kernel = pids.Sum(pid => TryRead($"/proc/{pid}/stat") is { } stat ? StatSeconds(stat, userToo: false) : 0);
        var switches = pids.Sum(ContextSwitches);
        var driver = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return new CpuSample(Stopwatch.GetTimestamp(), server, kernel, switches, driver, PostgresSeconds(), MachineBusySeconds());
    }

    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage() => TryRead("/proc/loadavg") is { } text ? string.Join(' ', text.Split(' ').Take(3)) : "n/a";

    private static double ProcessSeconds(int pid) =>
        TryRead($"/proc/{pid}/stat") is { } stat ? StatSeconds(stat) : 0;

    /// <summary>utime + stime of a /proc/PID/stat line (fields 14 and 15; the command may contain spaces).</summary>
    private static double StatSeconds(string stat, bool userToo = true)
    {
        var afterCommand = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // afterCommand[0] is field 3 (state), so field N is afterCommand[N - 3].
        var user = userToo ? long.Parse(afterCommand[11], CultureInfo.InvariantCulture) : 0;
        return (user + long.Parse(afterCommand[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    /// <summary>Voluntary + involuntary context switches summed over the process's current threads.</summary>
    private static long ContextSwitches(int pid)
    {
        var tasks = $"/proc/{pid}/task";
        if (!Directory.Exists(tasks))
        {
            return 0;
        }
        long total = 0;
        try
        {
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                if (TryRead(Path.Combine(task, "status")) is not { } status)
                {
                    continue;
                }
                foreach (var line in status.Split('\n'))
                {
                    if (line.StartsWith("voluntary_ctxt_switches:", StringComparison.Ordinal)
                        || line.StartsWith("nonvoluntary_ctxt_switches:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    }
                }
            }
        }
        catch (DirectoryNotFoundException)
        {
            // the process went away
        }
        return total;
    }

    private static Dictionary<int, double> PostgresSeconds()
    {
        var total = new Dictionary<int, double>();
        if (!Directory.Exists("/proc"))
        {
            return total;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]))
            {
                continue;
            }
            if (TryRead(Path.Combine(dir, "stat")) is { } stat && stat.Contains("(postgres)", StringComparison.Ordinal))
            {
                total[int.Parse(name, CultureInfo.InvariantCulture)] = StatSeconds(stat);
            }
        }
        return total;
    }

    private static double MachineBusySeconds()
    {
        // First line of /proc/stat: cpu user nice system idle iowait irq softirq steal ...
        var line = TryRead("/proc/stat")?.Split('\n')[0];
        if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return 0;
        }
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var idle = fields[3] + fields[4];
        var total = fields.Take(8).Sum();
        return (total - idle) / TicksPerSecond;
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
