using Grains.Platform.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Tests.Telemetry;

/// <summary>
/// Orleans' grain-call propagation filters are registered only when spans are recorded: with tracing off (the default
/// without an OTLP endpoint, or telemetry disabled) a grain call runs no filter of ours, so "off" costs nothing.
/// </summary>
public sealed class TracePropagationTests
{
    [Theory]
    [InlineData(null, null, false)]
    [InlineData("On", null, true)]
    [InlineData(null, "http://127.0.0.1:4318", true)]
    [InlineData("Off", "http://127.0.0.1:4318", false)]
    public void Grain_call_propagation_filters_are_added_only_when_spans_are_recorded(string? traces, string? otlpEndpoint, bool expected)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Telemetry:Traces"] = traces;
        builder.Configuration[TelemetrySettings.OtlpEndpoint] = otlpEndpoint;
        builder.UseOrleans(silo => silo.AddTracePropagation());

        Assert.Equal(expected, HasPropagationFilters(builder.Services, typeof(IIncomingGrainCallFilter)));
        Assert.Equal(expected, HasPropagationFilters(builder.Services, typeof(IOutgoingGrainCallFilter)));
    }

    [Fact]
    public void A_client_adds_the_outgoing_filter_only_when_spans_are_recorded()
    {
        var off = Host.CreateApplicationBuilder();
        off.UseOrleansClient(client => client.AddTracePropagation());
        var on = Host.CreateApplicationBuilder();
        on.Configuration["Telemetry:Traces"] = "On";
        on.UseOrleansClient(client => client.AddTracePropagation());

        Assert.False(HasPropagationFilters(off.Services, typeof(IOutgoingGrainCallFilter)));
        Assert.True(HasPropagationFilters(on.Services, typeof(IOutgoingGrainCallFilter)));
    }

    // Orleans' filter types are internal: they are recognised by name.
    private static bool HasPropagationFilters(IServiceCollection services, Type filter) =>
        services.Any(d => d.ServiceType == filter && d.ImplementationType?.Name.StartsWith("ActivityPropagation", StringComparison.Ordinal) == true);
}
