using ApiHost;
using ApiHost.Platform;
using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);

// http://127.0.0.1:5080 unless --urls or ASPNETCORE_URLS says otherwise.
if (string.IsNullOrEmpty(builder.Configuration[ConfigurationKeys.Urls]))
{
    builder.WebHost.UseUrls("http://127.0.0.1:5080");
}

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

app.UseApiPipeline();
app.MapHealthEndpoints();
app.MapOrleansDashboard("/dashboard");
app.MapApiEndpoints();

app.Run();
