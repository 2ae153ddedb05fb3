using Grains.Platform.Health;
using Grains.Platform.Hosting;
using Grains.Platform.Postgres;
using Grains.Platform.Telemetry;

var builder = WebApplication.CreateBuilder(args);

// The silo's own HTTP port serves /health, /ready, the dashboard and /metrics (unless Management:Urls moves the last
// two); several silos on one machine pass --urls.
var urls = builder.Configuration[ConfigurationKeys.Urls];
builder.WebHost.ListenForManagement(builder.Configuration, string.IsNullOrEmpty(urls) ? "http://127.0.0.1:5090" : urls, defaultUrls: null);
builder.AddSalesboothTelemetry("salesbooth-silo");

var postgres = builder.Configuration[ConfigurationKeys.PostgresConnectionString];
if (string.IsNullOrWhiteSpace(postgres))
{
    throw new InvalidOperationException("The Silo needs ConnectionStrings:Postgres (env ConnectionStrings__Postgres).");
}

if (args.Contains("--migrate-only"))
{
    using var loggers = LoggerFactory.Create(b => b.AddConsole());
    var applied = await new SchemaMigrator(postgres, loggers.CreateLogger<SchemaMigrator>()).MigrateAsync();
    Console.WriteLine($"Migrations applied: {applied.Count}");
    return;
}

var orleans = OrleansSettings.From(builder.Configuration);

// Before UseOrleans: hosted services start in order, so the schema exists before the silo joins.
builder.Services.AddPostgresSchemaMigrations(postgres);
builder.UseOrleans(silo => silo.ConfigureClusterSilo(orleans, postgres));
builder.Services.AddHealthReporting(postgres);
// SIGTERM: the host stops hosted services one after another, the web server (this management port) first, so the
// silo's own stop (drain, deactivate, leave membership) waited behind it: 0.1 s idle, up to 0.8 s on a loaded machine.
// Stopped side by side, the silo starts its stop at once (docs/decisions.md, "Faults": a graceful stop's exit time).
builder.Services.Configure<HostOptions>(o => o.ServicesStopConcurrently = true);

var app = builder.Build();
app.UseManagementSurface();
app.MapHealthEndpoints();
app.MapManagementEndpoints();
await app.RunAsync();
