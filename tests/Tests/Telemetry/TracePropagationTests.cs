using Grains.Platform.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tests.Telemetry;

/// <summary>
/// Our grain-call tracing filters (one span per call, not Orleans' two) are registered only when spans are recorded:
/// with tracing off (the default without an OTLP endpoint, or telemetry disabled) a grain call runs no filter of ours,
/// so "off" costs nothing.
/// </summary>
public sealed class TracePropagationTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("On", null, true)]
    [InlineData(null, "http://127.0.0.1:4318", true)]
    [InlineData("Off", "http://127.0.0.1:4318", false)]
    public void Grain_call_tracing_filters_are_added_only_when_spans_are_recorded(string? traces, string? otlpEndpoint, bool expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Telemetry:Traces"] = traces;
        builder.Configuration[TelemetrySettings.OtlpEndpoint] = otlpEndpoint;
        builder.UseOrleans(silo => silo.AddTracePropagation());

        Assert.Equal(expected, Has<GrainCallSpanFilter>(builder.Services, typeof(IIncomingGrainCallFilter)));
        Assert.Equal(expected, Has<TraceContextOutgoingFilter>(builder.Services, typeof(IOutgoingGrainCallFilter)));
        Assert.False(HasOrleansPropagation(builder.Services));
    }

    [Fact]
    public void A_client_adds_the_outgoing_filter_only_when_spans_are_recorded()
    {
        var off = Host.CreateApplicationBuilder();
        off.UseOrleansClient(client => client.AddTracePropagation());
        var on = Host.CreateApplicationBuilder();
        on.Configuration["Telemetry:Traces"] = "On";
        on.UseOrleansClient(client => client.AddTracePropagation());

        Assert.False(Has<TraceContextOutgoingFilter>(off.Services, typeof(IOutgoingGrainCallFilter)));
        Assert.True(Has<TraceContextOutgoingFilter>(on.Services, typeof(IOutgoingGrainCallFilter)));
        Assert.False(Has<GrainCallSpanFilter>(on.Services, typeof(IIncomingGrainCallFilter)));
        Assert.False(HasOrleansPropagation(on.Services));
    }

    private static bool Has<TFilter>(IServiceCollection services, Type filter) =>
        services.Any(d => d.ServiceType == filter && d.ImplementationType == typeof(TFilter));

    // Orleans' filter types (two spans per call) are internal: they are recognised by name.
    private static bool HasOrleansPropagation(IServiceCollection services) =>
        services.Any(d => d.ImplementationType?.Name.StartsWith("ActivityPropagation", StringComparison.Ordinal) == true);
}
