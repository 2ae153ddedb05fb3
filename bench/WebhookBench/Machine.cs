using System.Diagnostics;
using System.Globalization;

namespace WebhookBench;

/// <summary>CPU seconds used by this process, by the throwaway PostgreSQL and by the whole machine, at one instant.</summary>
public sealed record CpuSample(double Process, double Postgres, double Machine, long Timestamp);

/// <summary>CPU used between two samples, in cores (busy seconds per wall second).</summary>
public sealed record CpuSplit(double BenchProcessCores, double PostgresCores, double OtherCores, double MachineCores);

/// <summary>
/// Reads <c>/proc</c> (Linux only; zeros elsewhere). The machine is shared, so every window also records how much
/// CPU went to processes that are neither the bench nor its PostgreSQL.
/// </summary>
public sealed class Machine(int? postmasterPid)
{
    private static readonly double TicksPerSecond = 100.0;

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The postmaster's pid from its data directory; its children are the server's backends.</summary>
    public static int? PostmasterPid(string? dataDirectory)
    {
        var file = dataDirectory is null ? null : Path.Combine(dataDirectory, "postmaster.pid");
        return file is not null && File.Exists(file) && int.TryParse(File.ReadLines(file).First(), out var pid) ? pid : null;
    }

    public CpuSample Sample()
    {
        var process = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
        return new CpuSample(process, PostgresSeconds(), MachineSeconds(), Stopwatch.GetTimestamp());
    }

    public static CpuSplit Between(CpuSample start, CpuSample end)
    {
        var wall = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        var process = (end.Process - start.Process) / wall;
        var postgres = (end.Postgres - start.Postgres) / wall;
        var machine = (end.Machine - start.Machine) / wall;
        return new CpuSplit(Math.Round(process, 2), Math.Round(postgres, 2), Math.Round(Math.Max(0, machine - process - postgres), 2),
            Math.Round(machine, 2));
    }

    private static double MachineSeconds()
    {
        if (!File.Exists("/proc/stat"))
        {
            return 0;
        }
        // user nice system idle iowait irq softirq steal: busy is everything but idle and iowait.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / TicksPerSecond;
    }

    private double PostgresSeconds()
    {
        if (postmasterPid is not { } root || !Directory.Exists("/proc"))
        {
            return 0;
        }
        double total = 0;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Fields after the parenthesised command name: state ppid ... utime(14) stime(15).
                var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(rest[1], CultureInfo.InvariantCulture);
                if (pid == root || parent == root)
                {
                    total += (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
                }
            }
            catch (IOException)
            {
                // The process ended while being read.
            }
        }
        return total;
    }
}
