using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CampaignBench;

/// <summary>
/// The external executor's side of the <c>event</c> email channel: a webhook endpoint subscribed to
/// <c>email.send_requested</c> points here (Kestrel on loopback). Every delivery is counted; the first arrival of each
/// email id is kept with its time, so the report has receipts, duplicates and the lag from due time to receipt.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, DateTimeOffset> firstArrival = new(StringComparer.Ordinal);
    private long deliveries;

    private Receiver(WebApplication app) => this.app = app;

    public string Url { get; private set; } = "";

    /// <summary>Deliveries received (a redelivered email counts again).</summary>
    public long Deliveries => Interlocked.Read(ref deliveries);

    public int Distinct => firstArrival.Count;

    public DateTimeOffset? ArrivedAt(string emailId) => firstArrival.TryGetValue(emailId, out var at) ? at : null;

    public static async Task<Receiver> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new Receiver(app);
        app.MapPost("/executor", async (HttpRequest request) =>
        {
            using var body = await JsonDocument.ParseAsync(request.Body);
            var now = DateTimeOffset.UtcNow;
            if (body.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("email_id", out var id) && id.GetString() is { } emailId)
            {
                receiver.firstArrival.TryAdd(emailId, now);
            }
            Interlocked.Increment(ref receiver.deliveries);
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = $"http://127.0.0.1:{new Uri(app.Urls.First()).Port}/executor";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
