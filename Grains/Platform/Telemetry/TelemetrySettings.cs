using Microsoft.Extensions.Configuration;

namespace Grains.Platform.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section, read by ApiHost and Silo alike.</summary>
public sealed class TelemetrySettings
{
    public const string SectionName = "Telemetry";

    /// <summary>The standard OpenTelemetry variables that turn OTLP export on (read as configuration keys).</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>Metrics (and <c>/metrics</c>) and, per <see cref="Traces"/>, tracing. Off: no OpenTelemetry at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether spans are recorded; see <see cref="TraceMode"/>.</summary>
    public TraceMode Traces { get; set; } = TraceMode.Auto;

    public static TelemetrySettings From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<TelemetrySettings>() ?? new TelemetrySettings();

    /// <summary>The OTLP endpoint configured for traces, if any.</summary>
    public static string? OtlpEndpointOf(IConfiguration configuration) =>
        NullIfBlank(configuration[OtlpTracesEndpoint]) ?? NullIfBlank(configuration[OtlpEndpoint]);

    public bool TracesOn(IConfiguration configuration) => Enabled && Traces switch
    {
        TraceMode.On => true,
        TraceMode.Off => false,
        _ => OtlpEndpointOf(configuration) is not null,
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

public enum TraceMode
{
    /// <summary>Record spans only when an OTLP endpoint is configured (nothing would see them otherwise).</summary>
    Auto,

    /// <summary>Always record spans (with no OTLP endpoint, for exporters added in code, e.g. tests).</summary>
    On,

    Off,
}
