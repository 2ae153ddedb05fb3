using System.Diagnostics;
using Grains.Platform.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace Tests.Telemetry;

/// <summary>
/// Which traces are recorded: by default one new trace in ten (<c>parentbased_traceidratio</c> at
/// <see cref="TelemetrySettings.DefaultSampleRatio"/>) and every request whose caller sent a sampled
/// <c>traceparent</c>; the standard <c>OTEL_TRACES_SAMPLER</c> replaces that default.
/// </summary>
public sealed class SamplerTests
{
    private const int Roots = 2000;

    [Fact]
    public async Task By_default_one_new_trace_in_ten_is_recorded_and_a_sampled_caller_always_is()
    {
        var (recorded, withSampledParent) = await StartTracesAsync(sampler: null);

        // Binomial(2000, 0.1): mean 200, standard deviation ≈ 13; the bounds are more than 6 deviations away.
        Assert.InRange(recorded, 120, 280);
        Assert.True(withSampledParent, "a span under a sampled remote parent is recorded");
    }

    [Fact]
    public async Task The_standard_sampler_variable_replaces_the_default()
    {
        var (recorded, _) = await StartTracesAsync(sampler: "always_on");

        Assert.Equal(Roots, recorded);
    }

    private static async Task<(int Recorded, bool WithSampledParent)> StartTracesAsync(string? sampler)
    {
        // A source of this test's own, so no other test's listener decides for it.
        var sourceName = $"SamplerTests.{Guid.NewGuid():N}";
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Telemetry:Traces"] = "On";
        builder.Configuration[TelemetrySettings.TracesSampler] = sampler;
        builder.AddSalesboothTelemetry("sampler-test");
        // Counted by source: the provider also records other tests' HTTP and ASP.NET Core spans in this process.
        var recorded = new RecordedSpans(sourceName);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddSource(sourceName).AddProcessor(recorded));
        using var host = builder.Build();
        await host.StartAsync();
        using var source = new ActivitySource(sourceName);

        for (var i = 0; i < Roots; i++)
        {
            source.StartActivity("root")?.Dispose();
        }
        var roots = recorded.Count;
        var parent = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, isRemote: true);
        using (var child = source.StartActivity("child", ActivityKind.Server, parent))
        {
            await host.StopAsync();
            return (roots, child?.Recorded == true);
        }
    }

    private sealed class RecordedSpans(string sourceName) : BaseProcessor<Activity>
    {
        private int count;

        public int Count => Volatile.Read(ref count);

        public override void OnEnd(Activity data)
        {
            if (data.Recorded && data.Source.Name == sourceName)
            {
                Interlocked.Increment(ref count);
            }
        }
    }
}
