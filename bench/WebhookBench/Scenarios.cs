using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Grains.Events;
using Grains.Interfaces.Events;
using Grains.Interfaces.Webhooks;
using Grains.Webhooks;
using Grains.Webhooks.Delivery;
using Harness;

namespace WebhookBench;

/// <summary>CPU used during a window, in cores: this process (silo, receiver and load), PostgreSQL, everything else.</summary>
public sealed record CpuSplit(double BenchProcessCores, double PostgresCores, double OtherCores, double MachineCores)
{
    public static CpuSplit From(CpuUsage? cpu) => new(cpu?.Driver ?? 0, cpu?.Postgres ?? 0, cpu?.Other ?? 0, cpu?.MachineBusy ?? 0);
}

public sealed record RawResult(int Concurrency, double Seconds, long Requests, double RequestsPerSecond, long Errors, CpuSplit Cpu);

public sealed record DeliveredResult(
    int Partitions, int EndpointsPerPartition, int EventsPerAppend, int MaxOutstandingPerPartition, double WarmupSeconds,
    double Seconds, long Deliveries, double DeliveriesPerSecond, long AppendCalls, double AppendsPerSecond,
    double? LatencyP50Ms, double? LatencyP99Ms, long LatencySamples, double? AppendP50Ms, double? AppendP99Ms, long Expected, long Received, long Distinct, long Duplicates,
    double DrainSeconds, Dictionary<string, long> RowStatuses, CpuSplit Cpu);

public sealed record FanOutResult(
    int Endpoints, int Events, double CreateSeconds, double AppendSeconds, double AllReceivedSeconds, double AllRowsSuccessSeconds,
    long Expected, long Distinct, long Missing, long Duplicates, Dictionary<string, long> RowStatuses, bool Pass);

public sealed record SignatureCheck(int Sampled, int Valid, int Invalid);

/// <summary>An endpoint created for the run: its receiver number, grain key and the secret Create returned.</summary>
public sealed record BenchEndpoint(int Number, string Partition, string GrainKey, string Secret);

/// <summary>The three measurements. Every figure is taken at the receiver, never from the sender's own accounting.</summary>
public sealed class Scenarios(SiloHost silo, string connectionString, Receiver receiver, CpuProbe machine)
{
    public const string EventType = "customer.created";
    private const int PayloadTarget = 300;

    private readonly Dictionary<int, string> secrets = [];

    public static string Partition(int index) => $"ten_whbench{index:D2}:live";

    /// <summary>Padding that brings a delivery's JSON body to about <see cref="PayloadTarget"/> bytes.</summary>
    private static readonly string Padding = new('x', Math.Max(0, PayloadTarget - PayloadBytes(string.Empty)));

    public static int PayloadBytes() => PayloadBytes(Padding);

    private static int PayloadBytes(string padding)
    {
        var e = NewEvent(0, padding);
        return Encoding.UTF8.GetByteCount(WebhookPayloads.Build(e.Id, e.Type, e.CreatedAt, e.DataJson));
    }

    private static OutboxEvent NewEvent(long n) => NewEvent(n, Padding);

    private static OutboxEvent NewEvent(long n, string padding) =>
        Outbox.Event(EventType, DateTimeOffset.UtcNow, new { id = $"cus_bench{n:D12}", name = $"Bench Customer {n}", note = padding });

    /// <summary>Creates endpoints <c>0..count-1</c> of a partition, subscribed to everything, pointing at the receiver.</summary>
    public async Task<IReadOnlyList<BenchEndpoint>> CreateEndpointsAsync(int partitionIndex, int count)
    {
        var partition = Partition(partitionIndex);
        var created = new BenchEndpoint[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var number = partitionIndex * Receiver.EndpointsPerPartitionSlot + i;
            var key = WebhookKeys.Grain(partition, $"wh_bench{number:D6}");
            var result = await silo.Grains.GetGrain<IWebhookEndpointGrain>(key).Create(new WebhookSettings(
                $"http://127.0.0.1:{receiver.Port}/hook/{number}", ["*"], "webhook bench", null,
                WebhookSignatures.SalesboothScheme, Ordered: false, WebhookKeys.DefaultMaxInFlight));
            created[i] = new BenchEndpoint(number, partition, key, result.Secret);
        });
        lock (secrets)
        {
            foreach (var endpoint in created)
            {
                secrets[endpoint.Number] = endpoint.Secret;
            }
        }
        return created;
    }

    /// <summary>
    /// The baseline: closed-loop POSTs of a body the size of a delivery, with the headers a delivery carries, from
    /// <paramref name="concurrency"/> workers over one pooled client (as the product's sender: one handler, keep-alive).
    /// </summary>
    public async Task<RawResult> RawAsync(int concurrency, TimeSpan warmup, TimeSpan duration)
    {
        var body = Encoding.UTF8.GetBytes(WebhookPayloads.Build("evt_raw", EventType, DateTimeOffset.UtcNow,
            NewEvent(0).DataJson));
        var url = new Uri($"http://127.0.0.1:{receiver.Port}/raw");
        var headers = WebhookSignatures.Headers(WebhookSignatures.SalesboothScheme, "whsec_raw", null, "evt_raw", EventType, "whd_raw",
            DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body, replayed: false);
        // Counted where the receiver got them, over the same instants as the CPU samples.
        (long Count, CpuSample? Cpu) open = default, close = default;
        var run = await LoadGenerator.RunAsync(new LoadSpec("raw", url, concurrency, warmup, duration), w =>
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            return w.SendAsync("raw", HttpMethod.Post, url, content, headers);
        }, opening =>
        {
            if (opening)
            {
                open = (receiver.RawCount, machine.Sample());
            }
            else
            {
                close = (receiver.RawCount, machine.Sample());
            }
        });
        var seconds = Stopwatch.GetElapsedTime(open.Cpu!.Timestamp, close.Cpu!.Timestamp).TotalSeconds;
        var requests = close.Count - open.Count;
        return new RawResult(concurrency, Math.Round(seconds, 2), requests, Math.Round(requests / seconds), run.Errors + run.WarmupErrors,
            CpuSplit.From(CpuUsage.Between(open.Cpu, close.Cpu)));
    }

    /// <summary>
    /// Appenders, one per partition, each appending <paramref name="batch"/> events per call while fewer than
    /// <paramref name="maxOutstanding"/> of its partition's deliveries are still unreceived: enough work queued to keep
    /// every endpoint's in-flight slots busy, without a backlog that grows for as long as the run lasts.
    /// </summary>
    public async Task<DeliveredResult> DeliveredAsync(int partitions, int endpointsPerPartition, int batch, int maxOutstanding,
        TimeSpan warmup, TimeSpan duration, TimeSpan drainTimeout)
    {
        var expected = new long[partitions];
        long appendCalls = 0;
        long eventNumber = 0;
        // How long Append itself takes (store, fan-out, rows inserted for every endpoint): the appender's dead time.
        var appendMs = new List<double>();
        var measuring = false;
        using var stop = new CancellationTokenSource();
        var appenders = Enumerable.Range(0, partitions).Select(p => Task.Run(async () =>
        {
            var log = silo.Grains.GetGrain<IEventLogGrain>(Partition(p));
            while (!stop.IsCancellationRequested)
            {
                if (Interlocked.Read(ref expected[p]) - receiver.ReceivedFor(p) >= maxOutstanding)
                {
                    await Task.Delay(2);
                    continue;
                }
                var events = Enumerable.Range(0, batch).Select(_ => NewEvent(Interlocked.Increment(ref eventNumber))).ToList();
                var now = Stopwatch.GetTimestamp();
                foreach (var e in events)
                {
                    receiver.AppendedAt[e.Id] = now;
                }
                Interlocked.Add(ref expected[p], (long)batch * endpointsPerPartition);
                await log.Append(events);
                var took = Stopwatch.GetElapsedTime(now).TotalMilliseconds;
                Interlocked.Increment(ref appendCalls);
                lock (appendMs)
                {
                    if (Volatile.Read(ref measuring))
                    {
                        appendMs.Add(took);
                    }
                }
            }
        })).ToList();

        await Task.Delay(warmup);
        receiver.TakeLatencies();
        receiver.RecordLatency(true);
        Volatile.Write(ref measuring, true);
        var (startCount, startAppends, cpuStart) = (receiver.HookCount, Interlocked.Read(ref appendCalls), machine.Sample());
        await Task.Delay(duration);
        var (endCount, endAppends, cpuEnd) = (receiver.HookCount, Interlocked.Read(ref appendCalls), machine.Sample());
        receiver.RecordLatency(false);
        Volatile.Write(ref measuring, false);
        var latencies = receiver.TakeLatencies();
        double[] appends;
        lock (appendMs)
        {
            appends = [.. appendMs.Order()];
        }
        await stop.CancelAsync();
        await Task.WhenAll(appenders);

        // Everything appended must arrive: wait for the backlog to drain, then for the last outcomes to be stored.
        var total = expected.Sum();
        var drain = Stopwatch.StartNew();
        while (Enumerable.Range(0, partitions).Sum(receiver.ReceivedFor) < total && drain.Elapsed < drainTimeout)
        {
            await Task.Delay(50);
        }
        var drainSeconds = drain.Elapsed.TotalSeconds;
        var partitionNames = Enumerable.Range(0, partitions).Select(Partition).ToList();
        var rows = await WaitForSuccessAsync(partitionNames, total, drainTimeout);

        var seconds = Stopwatch.GetElapsedTime(cpuStart.Timestamp, cpuEnd.Timestamp).TotalSeconds;
        var deliveries = endCount - startCount;
        Array.Sort(latencies);
        return new DeliveredResult(partitions, endpointsPerPartition, batch, maxOutstanding, warmup.TotalSeconds, Math.Round(seconds, 2),
            deliveries, Math.Round(deliveries / seconds), endAppends - startAppends, Math.Round((endAppends - startAppends) / seconds, 1),
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), latencies.Length, Percentile(appends, 0.50), Percentile(appends, 0.99), total,
            Enumerable.Range(0, partitions).Sum(receiver.ReceivedFor), receiver.DistinctCount, receiver.Duplicates,
            Math.Round(drainSeconds, 2), rows, CpuSplit.From(CpuUsage.Between(cpuStart, cpuEnd)));
    }

    /// <summary>All endpoints of one partition subscribed to "*", one Append of <paramref name="events"/> events.</summary>
    public async Task<FanOutResult> FanOutAsync(int partitionIndex, int endpoints, int events, TimeSpan timeout)
    {
        var creating = Stopwatch.StartNew();
        var created = await CreateEndpointsAsync(partitionIndex, endpoints);
        var createSeconds = creating.Elapsed.TotalSeconds;

        var duplicatesBefore = receiver.Duplicates;
        var batch = Enumerable.Range(0, events).Select(i => NewEvent(-1 - i)).ToList();
        var clock = Stopwatch.StartNew();
        await silo.Grains.GetGrain<IEventLogGrain>(Partition(partitionIndex)).Append(batch);
        var appendSeconds = clock.Elapsed.TotalSeconds;
        var expected = (long)endpoints * events;
        while (receiver.ReceivedFor(partitionIndex) < expected && clock.Elapsed < timeout)
        {
            await Task.Delay(5);
        }
        var receivedSeconds = clock.Elapsed.TotalSeconds;
        var rows = await WaitForSuccessAsync([Partition(partitionIndex)], expected, timeout);
        var rowsSeconds = clock.Elapsed.TotalSeconds;

        var distinct = created.Sum(endpoint => batch.Count(e => receiver.Has(endpoint.Number, e.Id)));
        var duplicates = receiver.Duplicates - duplicatesBefore;
        var pass = distinct == expected && rows.GetValueOrDefault(WebhookKeys.DeliverySuccess) == expected && rows.Values.Sum() == expected;
        return new FanOutResult(endpoints, events, Math.Round(createSeconds, 2), Math.Round(appendSeconds, 3), Math.Round(receivedSeconds, 3),
            Math.Round(rowsSeconds, 3), expected, distinct, expected - distinct, duplicates, rows, pass);
    }

    /// <summary>Checks the sampled deliveries' <c>X-Salesbooth-Signature</c> with HMAC-SHA256 computed here, not by the product.</summary>
    public SignatureCheck VerifySignatures()
    {
        int valid = 0, invalid = 0;
        foreach (var sample in receiver.Samples)
        {
            string? secret;
            lock (secrets)
            {
                secret = secrets.GetValueOrDefault(sample.Endpoint);
            }
            if (secret is null || string.IsNullOrEmpty(sample.Timestamp) || string.IsNullOrEmpty(sample.Signature))
            {
                invalid++;
                continue;
            }
            using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(secret));
            var signed = Encoding.UTF8.GetBytes(sample.Timestamp + ".").Concat(sample.Body).ToArray();
            var expected = "v1=" + Convert.ToHexStringLower(hmac.ComputeHash(signed));
            if (CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(sample.Signature)))
            {
                valid++;
            }
            else
            {
                invalid++;
            }
        }
        return new SignatureCheck(valid + invalid, valid, invalid);
    }

    private async Task<Dictionary<string, long>> WaitForSuccessAsync(IReadOnlyList<string> partitions, long expected, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var counts = await ClusterSilo.StatusCountsAsync(connectionString, partitions);
            if (counts.GetValueOrDefault(WebhookKeys.DeliverySuccess) >= expected || clock.Elapsed > timeout)
            {
                return counts;
            }
            await Task.Delay(20);
        }
    }

    private static double? Percentile(double[] sorted, double p) => Stats.Percentile(sorted, p) is { } v ? Math.Round(v, 1) : null;
}
