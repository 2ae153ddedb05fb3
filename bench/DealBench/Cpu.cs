using System.Diagnostics;
using System.Globalization;

namespace DealBench;

/// <summary>
/// CPU seconds from <c>/proc</c> (Linux; zeros elsewhere) of the server under test, the throwaway PostgreSQL (the
/// postmaster and its children), this driver and the whole machine. The machine is shared, so every window records
/// how much went to everything else.
/// </summary>
public sealed class Cpu(int? serverPid, int? postmasterPid)
{
    private const double TicksPerSecond = 100.0;

    public sealed record Sample(double Server, double Postgres, double Driver, double Machine, long Timestamp);

    /// <summary>Cores used during a window (busy seconds per wall second).</summary>
    public sealed record Split(double ServerCores, double PostgresCores, double DriverCores, double OtherCores, double MachineCores);

    public Cpu ForServer(int pid) => new(pid, postmasterPid);

    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    public static int? PostmasterPid(string? dataDirectory)
    {
        var file = dataDirectory is null ? null : Path.Combine(dataDirectory, "postmaster.pid");
        return file is not null && File.Exists(file) && int.TryParse(File.ReadLines(file).First(), out var pid) ? pid : null;
    }

    public Sample Take()
    {
        double server = 0, postgres = 0;
        if (Directory.Exists("/proc"))
        {
            foreach (var dir in Directory.EnumerateDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    continue;
                }
                if (pid != serverPid && pid != postmasterPid && postmasterPid is null)
                {
                    continue;
                }
                try
                {
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    // After the parenthesised command name: state ppid ... utime(14) stime(15).
                    var rest = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                    var parent = int.Parse(rest[1], CultureInfo.InvariantCulture);
                    var seconds = (long.Parse(rest[11], CultureInfo.InvariantCulture) + long.Parse(rest[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
                    if (pid == serverPid)
                    {
                        server += seconds;
                    }
                    else if (pid == postmasterPid || parent == postmasterPid)
                    {
                        postgres += seconds;
                    }
                }
                catch (IOException)
                {
                    // The process ended while being read.
                }
            }
        }
        return new Sample(server, postgres, Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, MachineSeconds(), Stopwatch.GetTimestamp());
    }

    public static Split Between(Sample start, Sample end)
    {
        var wall = Stopwatch.GetElapsedTime(start.Timestamp, end.Timestamp).TotalSeconds;
        double Cores(double a, double b) => Math.Round((b - a) / wall, 2);
        var server = Cores(start.Server, end.Server);
        var postgres = Cores(start.Postgres, end.Postgres);
        var driver = Cores(start.Driver, end.Driver);
        var machine = Cores(start.Machine, end.Machine);
        return new Split(server, postgres, driver, Math.Round(Math.Max(0, machine - server - postgres - driver), 2), machine);
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
}
