using Microsoft.Extensions.Configuration;

namespace Grains.Platform.Telemetry;

/// <summary>The <c>Telemetry</c> configuration section, read by ApiHost and Silo alike.</summary>
public sealed class TelemetrySettings
{
    public const string SectionName = "Telemetry";

    /// <summary>The standard OpenTelemetry variables that turn OTLP export on (read as configuration keys).</summary>
    public const string OtlpEndpoint = "OTEL_EXPORTER_OTLP_ENDPOINT";
    public const string OtlpTracesEndpoint = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";

    /// <summary>The standard sampler variable; when it is not set we sample <see cref="DefaultSampleRatio"/> of new traces.</summary>
    public const string TracesSampler = "OTEL_TRACES_SAMPLER";

    /// <summary>
    /// The share of new traces recorded when <see cref="TracesSampler"/> is not set, as the SDK's
    /// <c>parentbased_traceidratio</c>: a request that arrives with a sampled <c>traceparent</c> is always recorded. One
    /// in ten, not the SDK's "every request": a grain GET costs ≈ 40 µs and a recorded trace ≈ 18 µs more, so tracing
    /// every request would cost the cheapest requests ≈ 25% of their throughput (docs/decisions.md, Telemetry).
    /// </summary>
    public const double DefaultSampleRatio = 0.1;

    /// <summary>Metrics (and <c>/metrics</c>) and, per <see cref="Traces"/>, tracing. Off: no OpenTelemetry at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether spans are recorded; see <see cref="TraceMode"/>.</summary>
    public TraceMode Traces { get; set; } = TraceMode.Auto;

    public static TelemetrySettings From(IConfiguration configuration) =>
        configuration.GetSection(SectionName).Get<TelemetrySettings>() ?? new TelemetrySettings();

    /// <summary>The OTLP endpoint configured for traces, if any.</summary>
    public static string? OtlpEndpointOf(IConfiguration configuration) =>
        NullIfBlank(configuration[OtlpTracesEndpoint]) ?? NullIfBlank(configuration[OtlpEndpoint]);

    /// <summary>Whether our default sampler applies: the operator has not chosen one with <see cref="TracesSampler"/>.</summary>
    public static bool UsesDefaultSampler(IConfiguration configuration) => NullIfBlank(configuration[TracesSampler]) is null;

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
