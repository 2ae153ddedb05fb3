using System.Collections.Concurrent;
using System.Diagnostics;
using Grains.Webhooks.Delivery;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace WebhookBench;

/// <summary>One signed delivery kept as received, to check its signature after the run.</summary>
public sealed record SignatureSample(int Endpoint, string? Timestamp, string? Signature, byte[] Body);

/// <summary>
/// The webhook receiver on loopback: <c>POST /raw</c> for the baseline loop and <c>POST /hook/{endpoint}</c> for
/// deliveries. Both read the whole body and answer 200 with no body, so the two paths cost the receiver the same.
/// Endpoint numbers are <c>partition * 10000 + index</c>, which lets the driver count receipts per partition.
/// </summary>
public sealed class Receiver : IAsyncDisposable
{
    public const int EndpointsPerPartitionSlot = 10_000;
    private const int SampleEvery = 97;
    private const int MaxSamples = 200;

    private readonly WebApplication app;
    private readonly long[] perPartition;
    private readonly ConcurrentDictionary<string, byte> distinct = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<SignatureSample> samples = new();
    private readonly List<double> latenciesMs = [];
    private readonly Lock latencyGate = new();
    private long rawCount;
    private long hookCount;
    private long duplicates;
    private volatile bool recordLatency;

    private Receiver(WebApplication app, int partitions)
    {
        this.app = app;
        perPartition = new long[partitions];
    }

    public int Port { get; private set; }

    public long RawCount => Interlocked.Read(ref rawCount);

    public long HookCount => Interlocked.Read(ref hookCount);

    public long Duplicates => Interlocked.Read(ref duplicates);

    public long DistinctCount => distinct.Count;

    /// <summary>Append time (Stopwatch ticks) by event id, registered by the driver just before each Append.</summary>
    public ConcurrentDictionary<string, long> AppendedAt { get; } = new(StringComparer.Ordinal);

    public IReadOnlyCollection<SignatureSample> Samples => samples;

    public long ReceivedFor(int partition) => Interlocked.Read(ref perPartition[partition]);

    public bool Has(int endpoint, string eventId) => distinct.ContainsKey(Key(endpoint, eventId));

    public void RecordLatency(bool on) => recordLatency = on;

    public double[] TakeLatencies()
    {
        lock (latencyGate)
        {
            var copy = latenciesMs.ToArray();
            latenciesMs.Clear();
            return copy;
        }
    }

    public static async Task<Receiver> StartAsync(int partitions)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        var receiver = new Receiver(app, partitions);
        app.MapPost("/raw", async (HttpRequest request) =>
        {
            await ReadBody(request);
            Interlocked.Increment(ref receiver.rawCount);
            return Results.Ok();
        });
        app.MapPost("/hook/{endpoint:int}", async (int endpoint, HttpRequest request) =>
        {
            var body = await ReadBody(request);
            receiver.Record(endpoint, request, body);
            return Results.Ok();
        });
        await app.StartAsync();
        var address = app.Urls.First();
        receiver.Port = new Uri(address).Port;
        return receiver;
    }

    private static async Task<byte[]> ReadBody(HttpRequest request)
    {
        using var buffer = new MemoryStream((int)(request.ContentLength ?? 512));
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private void Record(int endpoint, HttpRequest request, byte[] body)
    {
        var now = Stopwatch.GetTimestamp();
        var eventId = request.Headers[WebhookSignatures.SalesboothEventIdHeader].ToString();
        var count = Interlocked.Increment(ref hookCount);
        if (!distinct.TryAdd(Key(endpoint, eventId), 0))
        {
            Interlocked.Increment(ref duplicates);
        }
        Interlocked.Increment(ref perPartition[endpoint / EndpointsPerPartitionSlot]);
        if (recordLatency && AppendedAt.TryGetValue(eventId, out var appended))
        {
            var ms = Stopwatch.GetElapsedTime(appended, now).TotalMilliseconds;
            lock (latencyGate)
            {
                latenciesMs.Add(ms);
            }
        }
        if (count % SampleEvery == 0 && samples.Count < MaxSamples)
        {
            samples.Enqueue(new SignatureSample(endpoint,
                request.Headers[WebhookSignatures.SalesboothTimestampHeader].ToString(),
                request.Headers[WebhookSignatures.SalesboothSignatureHeader].ToString(), body));
        }
    }

    private static string Key(int endpoint, string eventId) => $"{endpoint}/{eventId}";

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
