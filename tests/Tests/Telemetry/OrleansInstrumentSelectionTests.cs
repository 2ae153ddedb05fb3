using System.Diagnostics.Metrics;
using Grains.Platform.Telemetry;
using Microsoft.Extensions.Hosting;

namespace Tests.Telemetry;

/// <summary>
/// The MeterProvider leaves Orleans' per-message instruments disabled (so a grain call records nothing into them) and
/// keeps the rest of the Orleans meter, through the same <see cref="TelemetryHosting"/> wiring ApiHost and Silo use.
/// </summary>
public sealed class OrleansInstrumentSelectionTests
{
    [Fact]
    public async Task Per_message_Orleans_instruments_stay_disabled_while_the_operators_counts_are_enabled()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddSalesboothTelemetry("instrument-selection-test");
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            // A meter of the same name as Orleans' own: the provider selects instruments by meter and instrument name.
            using var meter = new Meter(TelemetryHosting.OrleansMeter);
            var lookups = meter.CreateCounter<int>("orleans-directory-lookups-cache-issued");
            var gatewaySent = meter.CreateCounter<int>("orleans-gateway-sent");
            var created = meter.CreateCounter<int>("orleans-catalog-activation-created");
            var tardiness = meter.CreateHistogram<double>("orleans-reminders-tardiness");

            Assert.False(lookups.Enabled);
            Assert.False(gatewaySent.Enabled);
            Assert.True(created.Enabled);
            Assert.True(tardiness.Enabled);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
