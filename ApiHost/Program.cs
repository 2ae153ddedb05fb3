using ApiHost;
using ApiHost.Platform;
using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Grains.Platform.Telemetry;

var builder = WebApplication.CreateBuilder(args);

// http://127.0.0.1:5080 unless --urls or ASPNETCORE_URLS says otherwise; the dashboard and /metrics on Management:Urls.
var urls = builder.Configuration[ConfigurationKeys.Urls];
builder.WebHost.ListenForManagement(builder.Configuration, string.IsNullOrEmpty(urls) ? "http://127.0.0.1:5080" : urls,
    ManagementSurface.ApiHostDefaultUrls);
builder.AddSalesboothTelemetry("salesbooth-api");

var orleans = OrleansSettings.From(builder.Configuration);
var postgres = builder.Configuration[ConfigurationKeys.PostgresConnectionString];

switch (orleans.Mode)
{
    case HostingMode.Embedded:
        builder.UseOrleans(silo => silo.ConfigureEmbeddedSilo(orleans));
        builder.Services.AddHealthReporting(postgresConnectionString: null);
        break;
    case HostingMode.Client:
        if (string.IsNullOrWhiteSpace(postgres))
        {
            throw new InvalidOperationException("Orleans:Mode=Client needs ConnectionStrings:Postgres to find the silos.");
        }
        builder.UseOrleansClient(client => client.ConfigureClusterClient(orleans, postgres));
        builder.Services.AddHealthReporting(postgres);
        break;
}

builder.Services.AddBootstrapAdminKey(builder.Configuration, orleans.Mode);
builder.Services.AddApi();

var app = builder.Build();

app.UseManagementSurface();
app.UseApiPipeline();
app.MapHealthEndpoints();
app.MapManagementEndpoints();
app.MapApiEndpoints();

app.Run();
