using Grains.Interfaces.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using System.Diagnostics.Metrics;
using Npgsql;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Grains.Platform.Telemetry;

/// <summary>
/// OpenTelemetry for ApiHost and Silo, one wiring for both: metrics always (scraped at <c>/metrics</c>, see
/// <see cref="ManagementSurface"/>), traces when an OTLP endpoint is configured (or <c>Telemetry:Traces=On</c>), logs
/// with trace and span ids. <c>Telemetry:Enabled=false</c> leaves OpenTelemetry out entirely.
/// </summary>
public static class TelemetryHosting
{
    /// <summary>The meters we export besides ours: Orleans' own, ASP.NET Core's and HttpClient's come with their instrumentation.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>
    /// Orleans instruments recorded once per message or per directory lookup: with a listener attached each grain call
    /// pays for several tagged measurements (the telemetry bench showed +18% on a grain GET with the whole meter).
    /// They are left out; the counts an operator watches (activations, timeouts, rejections, reminders, storage
    /// latency and errors, membership pings) are kept, and the dashboard still shows message totals.
    /// </summary>
    public static readonly IReadOnlyList<string> OrleansPerMessageInstruments =
    [
        "orleans-messaging-sent-messages-size", "orleans-messaging-received-messages-size",
        "orleans-messaging-sent-header-size", "orleans-messaging-received-header-size",
        "orleans-gateway-sent", "orleans-gateway-received", "orleans-directory-lookups-",
        "orleans-directory-validations-cache-received",
    ];

    /// <summary>
    /// Orleans gauges whose every read walks the silo's activations or sums its directory caches: linear in the grains
    /// alive, paid on each scrape (≈ 25 ms at 50,000 activations; bench/README.md, "Where a deal creation's allocations
    /// go"). Left out; <c>orleans-catalog-activations</c> still counts the activations.
    /// </summary>
    public static readonly IReadOnlyList<string> OrleansWalkingGauges =
        ["orleans-messaging-processing-activation-data", "orleans-directory-cache-size"];

    internal static bool IsDropped(Instrument instrument) =>
        instrument.Meter.Name == OrleansMeter
        && (OrleansPerMessageInstruments.Any(name => instrument.Name.StartsWith(name, StringComparison.Ordinal))
            || OrleansWalkingGauges.Contains(instrument.Name));

    /// <summary>
    /// The span sources recorded besides the instrumentations': our grain-call spans (one per call, see
    /// <see cref="TracePropagation"/>), our own spans, and Orleans' grain storage reads and writes. Orleans' grain-call
    /// sources (<c>Microsoft.Orleans.Runtime</c>, <c>.Application</c>) are not: only its propagation filters, which we
    /// do not add, record into them.
    /// </summary>
    public static readonly IReadOnlyList<string> ActivitySources =
        [GrainCallTracing.SourceName, SalesboothTracing.SourceName, "Microsoft.Orleans.Storage"];

    /// <param name="serviceName">The OpenTelemetry <c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise.</param>
    public static IHostApplicationBuilder AddSalesboothTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var settings = TelemetrySettings.From(builder.Configuration);
        // JSON console lines (Logging:Console:FormatterName=json) carry the trace and span ids of the current span.
        builder.Services.PostConfigure<JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        if (!settings.Enabled)
        {
            return builder;
        }

        var otlp = TelemetrySettings.OtlpEndpointOf(builder.Configuration) is not null;
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddMeter(OrleansMeter, SalesboothMetrics.MeterName)
                    // A dropped instrument is never enabled, so its measurements cost nothing at the call site.
                    .AddView(instrument => IsDropped(instrument) ? MetricStreamConfiguration.Drop : null)
                    // No scrape cache: a scraper polls every few seconds anyway, and a cached page hides what just moved.
                    .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        if (settings.TracesOn(builder.Configuration))
        {
            telemetry.WithTracing(tracing =>
            {
                // Health probes would be most of the spans and tell nothing.
                tracing.AddAspNetCoreInstrumentation(o => o.Filter = context => !ManagementSurface.IsProbe(context.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource([.. ActivitySources]);
                if (TelemetrySettings.UsesDefaultSampler(builder.Configuration))
                {
                    tracing.SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(TelemetrySettings.DefaultSampleRatio)));
                }
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            });
            if (otlp)
            {
                builder.Logging.AddOpenTelemetry(logs =>
                {
                    logs.IncludeFormattedMessage = true;
                    logs.AddOtlpExporter();
                });
            }
        }
        return builder;
    }
}
