using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace DealBench;

/// <summary>Figures of one request kind in a measured window.</summary>
public sealed record KindResult(string Kind, long Requests, double RequestsPerSecond, long Errors, double? P50Ms, double? P90Ms, double? P99Ms, double? MaxMs);

/// <summary>One measured window: all kinds together and each kind.</summary>
public sealed record WindowResult(string Scenario, int Connections, double WarmupSeconds, double Seconds, long Requests, double RequestsPerSecond,
    long Errors, IReadOnlyList<KindResult> Kinds, IReadOnlyList<string> ErrorSamples, Cpu.Split Cpu, long JitMethodsInWindow);

/// <summary>
/// Closed-loop load: <c>connections</c> workers over one pooled handler (HTTP/1.1 keep-alive), each sending its next
/// request as soon as the previous response body is read. A request counts when it completes inside the window;
/// every latency (send to last body byte) is kept for exact percentiles.
/// </summary>
public sealed class Load(HttpClient http, string? bearer)
{
    private HttpClient Http => http;

    private string? Bearer => bearer;

    public static HttpClient Client(Uri baseAddress, int connections) =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseProxy = false, UseCookies = false, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>One worker's view: sends requests and records them when they complete inside the window.</summary>
    public sealed class Worker(Load load, long windowStart, long windowEnd, long stop, List<(string Kind, double Ms)> samples, List<string> errors)
    {
        public int Index { get; init; }

        public long Iteration { get; set; }

        public bool Running => Stopwatch.GetTimestamp() < stop;

        /// <summary>Sends one request; returns the body on a 2xx, null otherwise (counted as an error of its kind).</summary>
        public async Task<string?> SendAsync(string kind, HttpMethod method, string url, string? json = null)
        {
            using var request = new HttpRequestMessage(method, url);
            if (load.Bearer is not null)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", load.Bearer);
            }
            if (json is not null)
            {
                request.Content = new StringContent(json, Encoding.UTF8, "application/json");
            }
            var started = Stopwatch.GetTimestamp();
            string? body;
            bool ok;
            try
            {
                using var response = await load.Http.SendAsync(request);
                body = await response.Content.ReadAsStringAsync();
                ok = response.IsSuccessStatusCode;
                if (!ok)
                {
                    body = $"{kind}: HTTP {(int)response.StatusCode} {Truncate(body)}";
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                body = $"{kind}: {ex.GetType().Name} {ex.Message}";
                ok = false;
            }
            var ended = Stopwatch.GetTimestamp();
            if (ended >= windowStart && ended <= windowEnd)
            {
                samples.Add((ok ? kind : "!" + kind, Stopwatch.GetElapsedTime(started, ended).TotalMilliseconds));
                if (!ok)
                {
                    lock (errors)
                    {
                        if (errors.Count < 5)
                        {
                            errors.Add(body!);
                        }
                    }
                }
            }
            return ok ? body : null;
        }

        private static string Truncate(string text) => text.Length > 300 ? text[..300] : text;
    }

    /// <summary>Runs <paramref name="iteration"/> in a loop on every worker for warm-up + duration; measures the duration.</summary>
    public async Task<WindowResult> RunAsync(string scenario, int connections, TimeSpan warmup, TimeSpan duration,
        Func<Worker, Task> iteration, Cpu cpu, Func<Task<long>> jit)
    {
        var now = Stopwatch.GetTimestamp();
        var windowStart = now + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var windowEnd = windowStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var perWorker = Enumerable.Range(0, connections).Select(_ => new List<(string, double)>(1 << 14)).ToArray();
        var errorSamples = new List<string>();
        var workers = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var worker = new Worker(this, windowStart, windowEnd, windowEnd, perWorker[i], errorSamples) { Index = i };
            while (worker.Running)
            {
                await iteration(worker);
                worker.Iteration++;
            }
        })).ToList();
        await Task.Delay(warmup);
        var jitStart = await jit();
        var cpuStart = cpu.Take();
        await Task.Delay(duration);
        var cpuEnd = cpu.Take();
        var jitEnd = await jit();
        await Task.WhenAll(workers);

        var seconds = duration.TotalSeconds;
        var all = perWorker.SelectMany(s => s).ToList();
        var kinds = all.Select(s => s.Item1.TrimStart('!')).Distinct().Order(StringComparer.Ordinal).Select(kind =>
        {
            var ok = all.Where(s => s.Item1 == kind).Select(s => s.Item2).Order().ToArray();
            var errors = all.LongCount(s => s.Item1 == "!" + kind);
            return new KindResult(kind, ok.Length, Math.Round(ok.Length / seconds), errors, Percentile(ok, 0.50), Percentile(ok, 0.90),
                Percentile(ok, 0.99), ok.Length == 0 ? null : Math.Round(ok[^1], 2));
        }).ToList();
        var requests = kinds.Sum(k => k.Requests);
        return new WindowResult(scenario, connections, warmup.TotalSeconds, seconds, requests, Math.Round(requests / seconds),
            kinds.Sum(k => k.Errors), kinds, [.. errorSamples], Cpu.Between(cpuStart, cpuEnd), jitEnd - jitStart);
    }

    public static double? Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? null : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 2);
}
