using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>
/// A real HTTP receiver on loopback (Kestrel): records every POST and answers what <see cref="Respond"/> says. It can
/// be stopped and started again on the same port, which is what "the receiver is down" means to a sender.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedWebhook> received = new();
    private WebApplication? app;

    public WebhookReceiver(int? port = null) => Port = port ?? TestPorts.Free();

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hooks";

    /// <summary>Decides the answer to each request (status code, optional extra headers); 200 by default.</summary>
    public Func<ReceivedWebhook, Task<(int Status, IReadOnlyDictionary<string, string>? Headers)>> Respond { get; set; } =
        _ => Task.FromResult<(int, IReadOnlyDictionary<string, string>?)>((200, null));

    public IReadOnlyList<ReceivedWebhook> Received => [.. received];

    public IReadOnlyList<ReceivedWebhook> Succeeded => [.. received.Where(r => r.AnsweredWith is >= 200 and < 300)];

    public async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Port}");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/hooks", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var headers = http.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var probe = new ReceivedWebhook(headers, buffer.ToArray(), 0);
            var (status, extra) = await Respond(probe);
            received.Enqueue(probe with { AnsweredWith = status });
            foreach (var (name, value) in extra ?? new Dictionary<string, string>())
            {
                http.Response.Headers[name] = value;
            }
            http.Response.StatusCode = status;
            await http.Response.WriteAsync(status is >= 200 and < 300 ? "OK" : "NO");
        });
        await app.StartAsync();
        return this;
    }

    public async Task StopAsync()
    {
        if (app is not null)
        {
            await app.StopAsync();
            await app.DisposeAsync();
            app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
