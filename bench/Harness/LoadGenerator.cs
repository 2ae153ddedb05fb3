using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;

namespace Harness;

/// <summary>What one closed-loop load run sends: <see cref="Connections"/> workers against <see cref="BaseAddress"/>.</summary>
/// <param name="MaxRequests">Cap on recorded requests: the window closes early when it is reached.</param>
public sealed record LoadSpec(string Name, Uri BaseAddress, int Connections, TimeSpan Warmup, TimeSpan Duration, long MaxRequests = long.MaxValue)
{
    /// <summary>Sent as <c>Authorization: Bearer …</c> with every request when set.</summary>
    public string? Bearer { get; init; }
}

/// <summary>The recorded requests of one kind: latencies (Stopwatch ticks, sorted) of the successes, and the failures.</summary>
public sealed record KindRun(string Kind, long[] SortedLatencyTicks, long Errors);

/// <summary>One load run: counts plus every successful request's latency (Stopwatch ticks), sorted, all kinds together and per kind.</summary>
public sealed class LoadRun
{
    public required string Name { get; init; }
    public required long Requests { get; init; }
    public required long Errors { get; init; }
    public required long WarmupRequests { get; init; }
    public required long WarmupErrors { get; init; }
    public required double MeasuredSeconds { get; init; }
    public required long[] SortedLatencyTicks { get; init; }
    public required IReadOnlyList<KindRun> Kinds { get; init; }
    public string? FirstError { get; init; }

    /// <summary>Up to five failures inside the window, with the start of the answer.</summary>
    public required IReadOnlyList<string> ErrorSamples { get; init; }

    public double RequestsPerSecond => MeasuredSeconds > 0 ? Requests / MeasuredSeconds : 0;
}

/// <summary>
/// A closed-loop HTTP/1.1 load generator: <see cref="LoadSpec.Connections"/> workers over one pooled handler (a
/// keep-alive connection each), each running the scenario's iteration in a loop: the next request goes out as soon as
/// the previous response body is read. Warm-up requests are not recorded; a request counts for the window when it
/// completes inside it. Bounded by the window's end and by <see cref="LoadSpec.MaxRequests"/>.
/// </summary>
public static class LoadGenerator
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The load a fixed list of targets makes: one request per iteration to a target drawn uniformly at random.</summary>
    public static Func<LoadWorker, Task> Uniform(string kind, HttpMethod method, IReadOnlyList<Uri> targets) =>
        w => w.SendAsync(kind, method, targets[w.Random.Next(targets.Count)]);

    /// <param name="onWindow">Called when the measurement window opens (true) and closes (false): CPU and JIT samples.</param>
    public static async Task<LoadRun> RunAsync(LoadSpec spec, Func<LoadWorker, Task> iteration, Action<bool>? onWindow = null)
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
        var state = new LoadWindow(spec, invoker, windowStart, windowEnd);

        // Requests still pending this long after the window closes are abandoned: the run is bounded in time.
        using var abandon = new CancellationTokenSource(spec.Warmup + spec.Duration + DrainTimeout);
        var workers = new LoadWorker[spec.Connections];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = new LoadWorker(i, state, abandon.Token);
        }

        var windowWatcher = WatchWindowAsync(state, onWindow);
        await Task.WhenAll(workers.Select(w => Task.Run(async () =>
        {
            while (w.Running)
            {
                await iteration(w);
                w.Iteration++;
            }
        })));
        await windowWatcher;

        var measuredEnd = Math.Min(state.StoppedAt ?? windowEnd, windowEnd);
        var kinds = workers.SelectMany(w => w.Recorded.Keys).Distinct().Order(StringComparer.Ordinal).Select(kind =>
        {
            var latencies = workers.SelectMany(w => w.Recorded.TryGetValue(kind, out var r) ? r.Latencies : []).ToArray();
            Array.Sort(latencies);
            return new KindRun(kind, latencies, workers.Sum(w => w.Recorded.TryGetValue(kind, out var r) ? r.Errors : 0));
        }).ToList();
        var all = kinds.Count == 1 ? kinds[0].SortedLatencyTicks : kinds.SelectMany(k => k.SortedLatencyTicks).ToArray();
        if (kinds.Count > 1)
        {
            Array.Sort(all);
        }

        return new LoadRun
        {
            Name = spec.Name,
            Requests = all.Length,
            Errors = kinds.Sum(k => k.Errors),
            WarmupRequests = workers.Sum(w => w.WarmupRequests),
            WarmupErrors = workers.Sum(w => w.WarmupErrors),
            MeasuredSeconds = (measuredEnd - windowStart) / (double)frequency,
            SortedLatencyTicks = all,
            Kinds = kinds,
            FirstError = state.FirstError,
            ErrorSamples = state.ErrorSamples,
        };
    }

    private static async Task WatchWindowAsync(LoadWindow state, Action<bool>? onWindow)
    {
        await DelayUntilAsync(state.WindowStart, state);
        onWindow?.Invoke(true);
        await DelayUntilAsync(state.WindowEnd, state);
        onWindow?.Invoke(false);
    }

    private static async Task DelayUntilAsync(long timestamp, LoadWindow state)
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
}

/// <summary>What the workers of one run share: the window, the request cap and the first errors.</summary>
internal sealed class LoadWindow(LoadSpec spec, HttpMessageInvoker invoker, long windowStart, long windowEnd)
{
    private readonly List<string> errorSamples = [];
    private long measured;
    private int stopped;

    public LoadSpec Spec => spec;

    public HttpMessageInvoker Invoker => invoker;

    public long WindowStart => windowStart;

    public long WindowEnd => windowEnd;

    public long? StoppedAt { get; private set; }

    public string? FirstError { get; private set; }

    public IReadOnlyList<string> ErrorSamples
    {
        get
        {
            lock (errorSamples)
            {
                return [.. errorSamples];
            }
        }
    }

    public bool Stopped => Volatile.Read(ref stopped) != 0;

    /// <summary>Counts one recorded request; false once the cap is reached.</summary>
    public bool Count(long now)
    {
        if (Interlocked.Increment(ref measured) < spec.MaxRequests)
        {
            return true;
        }
        if (Interlocked.Exchange(ref stopped, 1) == 0)
        {
            StoppedAt = now;
        }
        return false;
    }

    public void Error(string message, bool inWindow)
    {
        lock (errorSamples)
        {
            FirstError ??= message;
            if (inWindow && errorSamples.Count < 5)
            {
                errorSamples.Add(message);
            }
        }
    }
}

/// <summary>One worker (one connection's closed loop): the scenario's iteration sends its requests through it.</summary>
public sealed class LoadWorker
{
    private readonly LoadWindow state;
    private readonly CancellationToken abandon;
    private readonly byte[] buffer = new byte[16 * 1024];
    private string? lastKind;
    private Recorder? last;

    internal LoadWorker(int index, LoadWindow state, CancellationToken abandon)
    {
        Index = index;
        Random = new Random(17 + index);
        this.state = state;
        this.abandon = abandon;
    }

    /// <summary>0 … connections − 1: lets a scenario give each worker its own data (a customer, a key).</summary>
    public int Index { get; }

    /// <summary>This worker's random numbers (seeded by its index: runs draw the same ids).</summary>
    public Random Random { get; }

    /// <summary>Iterations completed so far.</summary>
    public long Iteration { get; internal set; }

    /// <summary>False once the window is over (or the cap reached): the loop ends after the current iteration.</summary>
    public bool Running => !state.Stopped && !abandon.IsCancellationRequested && Stopwatch.GetTimestamp() < state.WindowEnd;

    internal Dictionary<string, Recorder> Recorded { get; } = new(StringComparer.Ordinal);

    internal long WarmupRequests { get; private set; }

    internal long WarmupErrors { get; private set; }

    /// <summary>Sends one request (with extra headers, if any) and reads the answer to its end; true on a 2xx.</summary>
    public async Task<bool> SendAsync(string kind, HttpMethod method, Uri target, HttpContent? content = null,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null) =>
        await SendAsync(kind, method, target, content, readBody: false, headers) is not null;

    /// <summary>Sends one request to a path of the base address; true on a 2xx.</summary>
    public Task<bool> SendAsync(string kind, HttpMethod method, string path, string? json = null) =>
        SendAsync(kind, method, new Uri(state.Spec.BaseAddress, path), Json(json));

    /// <summary>Sends one request and returns the answer's body on a 2xx, null otherwise (counted as an error of its kind).</summary>
    public Task<string?> SendReadingAsync(string kind, HttpMethod method, string path, string? json = null) =>
        SendAsync(kind, method, new Uri(state.Spec.BaseAddress, path), Json(json), readBody: true);

    private static StringContent? Json(string? json) =>
        json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json");

    private async Task<string?> SendAsync(string kind, HttpMethod method, Uri target, HttpContent? content, bool readBody,
        IReadOnlyList<KeyValuePair<string, string>>? headers = null)
    {
        if (!Running)
        {
            content?.Dispose();
            return null;
        }
        var start = Stopwatch.GetTimestamp();
        string? body = null;
        var ok = false;
        try
        {
            using var request = new HttpRequestMessage(method, target)
            {
                Version = HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = content,
            };
            if (state.Spec.Bearer is { } bearer)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
            }
            foreach (var (name, value) in headers ?? [])
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }
            using var response = await state.Invoker.SendAsync(request, abandon);
            ok = response.IsSuccessStatusCode;
            if (readBody || !ok)
            {
                body = await response.Content.ReadAsStringAsync(abandon);
            }
            else
            {
                await using var stream = await response.Content.ReadAsStreamAsync(abandon);
                while (await stream.ReadAsync(buffer, abandon) > 0)
                {
                }
            }
            if (!ok)
            {
                state.Error($"{kind}: HTTP {(int)response.StatusCode} from {target.PathAndQuery}: {Truncate(body!)}", InWindow(Stopwatch.GetTimestamp()));
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            state.Error($"{kind}: {ex.GetType().Name}: {ex.Message}", InWindow(Stopwatch.GetTimestamp()));
        }

        Record(kind, ok, start, Stopwatch.GetTimestamp());
        return ok ? body ?? "" : null;
    }

    private bool InWindow(long timestamp) => timestamp >= state.WindowStart && timestamp <= state.WindowEnd;

    private void Record(string kind, bool ok, long start, long end)
    {
        if (end < state.WindowStart)
        {
            WarmupRequests++;
            WarmupErrors += ok ? 0 : 1;
            return;
        }
        if (end > state.WindowEnd)
        {
            return;
        }
        if (!ReferenceEquals(kind, lastKind))
        {
            if (!Recorded.TryGetValue(kind, out last))
            {
                last = new Recorder();
                Recorded[kind] = last;
            }
            lastKind = kind;
        }
        if (!ok)
        {
            last!.Errors++;
            return;
        }
        last!.Latencies.Add(end - start);
        state.Count(end);
    }

    private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;

    internal sealed class Recorder
    {
        public List<long> Latencies { get; } = new(16 * 1024);

        public long Errors { get; set; }
    }
}
