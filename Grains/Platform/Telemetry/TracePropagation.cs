namespace Grains.Platform.Telemetry;

/// <summary>
/// Grain calls continue the caller's trace with one span each (<see cref="GrainCallSpanFilter"/>, server side) and carry
/// the trace context to the grains they call (<see cref="TraceContextOutgoingFilter"/>). Added only when spans are
/// recorded (<see cref="TelemetrySettings.TracesOn"/>): a registered filter costs every grain call an invoker turn even
/// with nothing to carry, so "off" registers none.
/// </summary>
/// <remarks>
/// Not Orleans' <c>AddActivityPropagation</c>: it records a client and a server span per call, which the telemetry bench
/// found to be most of what tracing costs a grain GET (docs/decisions.md, "One span per grain call").
/// </remarks>
public static class TracePropagation
{
    public static ISiloBuilder AddTracePropagation(this ISiloBuilder silo)
    {
        if (TelemetrySettings.From(silo.Configuration).TracesOn(silo.Configuration))
        {
            silo.AddIncomingGrainCallFilter<GrainCallSpanFilter>();
            silo.AddOutgoingGrainCallFilter<TraceContextOutgoingFilter>();
        }
        return silo;
    }

    public static IClientBuilder AddTracePropagation(this IClientBuilder client)
    {
        if (TelemetrySettings.From(client.Configuration).TracesOn(client.Configuration))
        {
            client.AddOutgoingGrainCallFilter<TraceContextOutgoingFilter>();
        }
        return client;
    }
}
