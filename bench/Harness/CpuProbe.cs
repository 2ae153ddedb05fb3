using System.Diagnostics;
using System.Globalization;

namespace Harness;

/// <summary>CPU seconds used so far by the server process(es), this driver, PostgreSQL (per process) and the whole machine.</summary>
/// <param name="Postgres">CPU seconds per postgres process id (processes come and go between samples).</param>
public sealed record CpuSample(long Timestamp, double Server, double ServerKernel, long ServerSwitches, double Driver, IReadOnlyDictionary<int, double> Postgres, double MachineBusy);

/// <summary>CPU usage between two samples, in cores (CPU seconds per wall second).</summary>
/// <param name="Driver">This process: the load generator (and whatever else a benchmark runs in it).</param>
/// <param name="Other">Everything else on the machine: other processes competing for the cores.</param>
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

/// <summary>
/// Reads /proc (Linux; elsewhere every figure but the driver's is 0). PostgreSQL is the postmaster of the throwaway
/// server and its children when its pid is known (<c>--pg-data</c>), otherwise every process named <c>postgres</c>.
/// The machine is shared, so every window also shows how much went to everything else.
/// </summary>
public sealed class CpuProbe(IReadOnlyList<int> serverPids, int? postmasterPid)
{
    private const double TicksPerSecond = 100; // USER_HZ is 100 on every mainstream Linux build

    /// <summary>The same PostgreSQL, other server processes.</summary>
    public CpuProbe ForServers(params int[] pids) => new(pids, postmasterPid);

    public CpuSample Sample()
    {
        var server = serverPids.Sum(ProcessSeconds);
        var kernel = serverPids.Sum(pid => TryRead($"/proc/{pid}/stat") is { } stat ? StatSeconds(stat, userToo: false) : 0);
        var switches = serverPids.Sum(ContextSwitches);
        var driver = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return new CpuSample(Stopwatch.GetTimestamp(), server, kernel, switches, driver, PostgresSeconds(), MachineBusySeconds());
    }

    /// <summary>The postmaster's pid from its data directory (null without one).</summary>
    public static int? PostmasterPid(string? dataDirectory)
    {
        var file = dataDirectory is null ? null : Path.Combine(dataDirectory, "postmaster.pid");
        return file is not null && File.Exists(file) && int.TryParse(File.ReadLines(file).First(), out var pid) ? pid : null;
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until other processes and PostgreSQL leave the cores alone for a second.</summary>
    public async Task WaitForQuietAsync(TimeSpan limit, Action<string> log)
    {
        var waited = Stopwatch.StartNew();
        var reported = false;
        while (waited.Elapsed < limit)
        {
            var a = Sample();
            await Task.Delay(1000);
            var usage = CpuUsage.Between(a, Sample());
            if (usage is null || usage.Other + usage.Postgres < 0.2)
            {
                return;
            }
            if (!reported)
            {
                log(string.Create(CultureInfo.InvariantCulture,
                    $"machine busy (other {usage.Other:0.00}, postgres {usage.Postgres:0.00} cores); waiting up to {limit.TotalSeconds:0} s"));
                reported = true;
            }
        }
    }

    private static double ProcessSeconds(int pid) =>
        TryRead($"/proc/{pid}/stat") is { } stat ? StatSeconds(stat) : 0;

    /// <summary>utime + stime of a /proc/PID/stat line (fields 14 and 15; the command may contain spaces).</summary>
    private static double StatSeconds(string stat, bool userToo = true)
    {
        var afterCommand = StatFields(stat);
        // afterCommand[0] is field 3 (state), so field N is afterCommand[N - 3].
        var user = userToo ? long.Parse(afterCommand[11], CultureInfo.InvariantCulture) : 0;
        return (user + long.Parse(afterCommand[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    private static string[] StatFields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

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

    private Dictionary<int, double> PostgresSeconds()
    {
        var total = new Dictionary<int, double>();
        if (!Directory.Exists("/proc"))
        {
            return total;
        }
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(dir);
            if (name.Length == 0 || !char.IsAsciiDigit(name[0]) || TryRead(Path.Combine(dir, "stat")) is not { } stat)
            {
                continue;
            }
            var pid = int.Parse(name, CultureInfo.InvariantCulture);
            var counts = postmasterPid is { } root
                ? pid == root || int.Parse(StatFields(stat)[1], CultureInfo.InvariantCulture) == root
                : stat.Contains("(postgres)", StringComparison.Ordinal);
            if (counts)
            {
                total[pid] = StatSeconds(stat);
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

    internal static string? TryRead(string path)
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
