using Grains.Interfaces.Telemetry;
using System.Diagnostics.Metrics;
using Grains.Platform.Telemetry;

namespace Tests.Infrastructure;

/// <summary>
/// Sums what one of our instruments (<see cref="SalesboothMetrics"/>) records in this process while it is alive,
/// optionally only measurements carrying a given tag value. Instruments are process-wide, so tests running alongside can
/// only add to the total: assert "at least".
/// </summary>
public sealed class MeasurementCounter : IDisposable
{
    private readonly MeterListener listener = new();
    private long total;

    public MeasurementCounter(string instrument, string? tag = null, string? value = null)
    {
        listener.InstrumentPublished = (published, l) =>
        {
            if (published.Meter.Name == SalesboothMetrics.MeterName && published.Name == instrument)
            {
                l.EnableMeasurementEvents(published);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, tags, _) =>
        {
            if (tag is null || Matches(tags, tag, value))
            {
                Interlocked.Add(ref total, measurement);
            }
        });
        listener.Start();
    }

    public long Total => Interlocked.Read(ref total);

    public void Dispose() => listener.Dispose();

    private static bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> tags, string tag, string? value)
    {
        foreach (var pair in tags)
        {
            if (pair.Key == tag && Equals(pair.Value?.ToString(), value))
            {
                return true;
            }
        }
        return false;
    }
}
