using System.Diagnostics;
using System.Net;

namespace Bench;

/// <summary>What one closed-loop load run sends.</summary>
public sealed record LoadSpec(
    string Name,
    HttpMethod Method,
    IReadOnlyList<Uri> Targets,
    int Connections,
    TimeSpan Warmup,
    TimeSpan Duration,
    long MaxRequests);

/// <summary>One load run: counts plus every successful request's latency (Stopwatch ticks), sorted.</summary>
public sealed class LoadRun
{
    public required string Name { get; init; }
    public required long Requests { get; init; }
    public required long Errors { get; init; }
    public required long WarmupRequests { get; init; }
    public required long WarmupErrors { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required long[] SortedLatencyTicks { get; init; }
    public string? FirstError { get; init; }
}

/// <summary>
/// A closed-loop HTTP/1.1 load generator: <see cref="LoadSpec.Connections"/> workers, each with its own
/// keep-alive connection, sending the next request as soon as the previous response body is read.
/// Warm-up requests are not recorded; a request counts for the window when it completes inside it.
/// Bounded by the window's end and by <see cref="LoadSpec.MaxRequests"/>.
/// </summary>
public static class LoadGenerator
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <param name="onWindow">Called when the measurement window opens (true) and closes (false).</param>
    public static async Task<LoadRun> RunAsync(LoadSpec spec, Action<bool>? onWindow = null)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = spec.Connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            UseProxy = false,
            UseCookies = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            ActivityHeadersPropagator = null,
        };
        using var invoker = new HttpMessageInvoker(handler, disposeHandler: false);

        var frequency = Stopwatch.Frequency;
        var begin = Stopwatch.GetTimestamp();
        var windowStart = begin + (long)(spec.Warmup.TotalSeconds * frequency);
        var windowEnd = windowStart + (long)(spec.Duration.TotalSeconds * frequency);
        var state = new SharedState(spec.MaxRequests, windowEnd);

        // Requests still pending this long after the window closes are abandoned: the run is bounded in time.
        using var abandon = new CancellationTokenSource(spec.Warmup + spec.Duration + DrainTimeout);
        var workers = new Worker[spec.Connections];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new Worker(i, spec, invoker, state, windowStart, abandon.Token);
        }

        var windowWatcher = WatchWindowAsync(windowStart, windowEnd, state, onWindow);
        await Task.WhenAll(workers.Select(w => Task.Run(w.RunAsync)));
        await windowWatcher;

        var measuredEnd = Math.Min(state.StoppedAt ?? windowEnd, windowEnd);
        var latencies = new long[workers.Sum(w => w.Latencies.Count)];
        var offset = 0;
        foreach (var worker in workers)
        {
            worker.Latencies.CopyTo(latencies, offset);
            offset += worker.Latencies.Count;
        }
        Array.Sort(latencies);

        return new LoadRun
        {
            Name = spec.Name,
            Requests = workers.Sum(w => w.Latencies.Count),
            Errors = workers.Sum(w => w.Errors),
            WarmupRequests = workers.Sum(w => w.WarmupRequests),
            WarmupErrors = workers.Sum(w => w.WarmupErrors),
            MeasuredSeconds = (measuredEnd - windowStart) / (double)frequency,
            SortedLatencyTicks = latencies,
            FirstError = state.FirstError,
        };
    }

    private static async Task WatchWindowAsync(long windowStart, long windowEnd, SharedState state, Action<bool>? onWindow)
    {
        await DelayUntilAsync(windowStart, state);
        onWindow?.Invoke(true);
        await DelayUntilAsync(windowEnd, state);
        onWindow?.Invoke(false);
    }

    private static async Task DelayUntilAsync(long timestamp, SharedState state)
    {
        while (!state.Stopped)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), timestamp);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }
            await Task.Delay(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200));
        }
    }

    private sealed class SharedState(long maxRequests, long windowEnd)
    {
        private long measured;
        private int stopped;

        public long? StoppedAt { get; private set; }

        public string? FirstError { get; private set; }

        public bool Stopped => Volatile.Read(ref stopped) != 0;

        public long WindowEnd => windowEnd;

        /// <summary>Counts one recorded request; false once <c>maxRequests</c> is reached.</summary>
        public bool Count(long now)
        {
            if (Interlocked.Increment(ref measured) < maxRequests)
            {
                return true;
            }
            if (Interlocked.Exchange(ref stopped, 1) == 0)
            {
                StoppedAt = now;
            }
            return false;
        }

        public void Error(string message)
        {
            lock (this)
            {
                FirstError ??= message;
            }
        }
    }

    private sealed class Worker(int index, LoadSpec spec, HttpMessageInvoker invoker, SharedState state, long windowStart, CancellationToken abandon)
    {
        private readonly Random random = new(17 + index);
        private readonly byte[] buffer = new byte[16 * 1024];

        public List<long> Latencies { get; } = new(16 * 1024);

        public long Errors { get; private set; }

        public long WarmupRequests { get; private set; }

        public long WarmupErrors { get; private set; }

        public async Task RunAsync()
        {
            var targets = spec.Targets;
            while (!state.Stopped && !abandon.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                if (start >= state.WindowEnd)
                {
                    return;
                }

                var ok = false;
                try
                {
                    using var request = new HttpRequestMessage(spec.Method, targets[random.Next(targets.Count)])
                    {
                        Version = HttpVersion.Version11,
                        VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                    };
                    using var response = await invoker.SendAsync(request, abandon);
                    await using (var body = await response.Content.ReadAsStreamAsync(abandon))
                    {
                        while (await body.ReadAsync(buffer, abandon) > 0)
                        {
                        }
                    }
                    ok = response.IsSuccessStatusCode;
                    if (!ok)
                    {
                        state.Error($"HTTP {(int)response.StatusCode} from {request.RequestUri}");
                    }
                }
                catch (OperationCanceledException) when (abandon.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    state.Error($"{ex.GetType().Name}: {ex.Message}");
                }

                var end = Stopwatch.GetTimestamp();
                if (end < windowStart)
                {
                    WarmupRequests++;
                    WarmupErrors += ok ? 0 : 1;
                    continue;
                }
                if (end > state.WindowEnd)
                {
                    return;
                }
                if (!ok)
                {
                    Errors++;
                    continue;
                }
                Latencies.Add(end - start);
                if (!state.Count(end))
                {
                    return;
                }
            }
        }
    }
}
