namespace Grains.Platform.Telemetry;

/// <summary>
/// Orleans' grain-call trace propagation (<c>AddActivityPropagation</c>), added only when spans are recorded
/// (<see cref="TelemetrySettings.TracesOn"/>). With tracing off its two grain-call filters have nothing to carry, but
/// they still run on every call: an outgoing and an incoming filter turn (two async state machines, ≈ 120 bytes a
/// grain GET in the telemetry bench). Leaving them out is what makes "off" cost nothing.
/// </summary>
public static class TracePropagation
{
    public static ISiloBuilder AddTracePropagation(this ISiloBuilder silo) =>
        TelemetrySettings.From(silo.Configuration).TracesOn(silo.Configuration) ? silo.AddActivityPropagation() : silo;

    public static IClientBuilder AddTracePropagation(this IClientBuilder client) =>
        TelemetrySettings.From(client.Configuration).TracesOn(client.Configuration) ? client.AddActivityPropagation() : client;
}
