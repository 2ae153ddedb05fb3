using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;

namespace Harness;

/// <summary>What a report says about the machine it ran on.</summary>
public static class MachineInfo
{
    /// <summary>The 1, 5 and 15 minute load averages.</summary>
    public static string LoadAverage() => CpuProbe.TryRead("/proc/loadavg") is { } text ? string.Join(' ', text.Split(' ').Take(3)) : "n/a";

    /// <summary>The 1 minute load average (0 when unknown).</summary>
    public static double LoadAverage1(string loadAverage) =>
        double.TryParse(loadAverage.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) ? load : 0;

    public static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static double? MemoryGb()
    {
        try
        {
            var line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            var kb = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
            return kb is null ? null : Math.Round(long.Parse(kb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0, 1);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>One line: cores, OS, runtime and GC mode of this process.</summary>
    public static string Describe() =>
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, server GC {GCSettings.IsServerGC}";
}
