using System.Diagnostics;
using System.Globalization;

namespace Harness;

/// <summary>
/// A server-role child process (a bench DLL started with its server arguments), reached over loopback HTTP on the
/// <c>--port</c> it is given. The product's settings do not leak in from the driver's environment; cluster silos get one
/// random master key per run unless <c>Encryption__MasterKey</c> is set.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private static readonly string RunMasterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
    private readonly Process process;
    private readonly Queue<string> output = new();

    private ChildProcess(string name, Process process, int port)
    {
        Name = name;
        this.process = process;
        Port = port;
        BaseUri = new Uri($"http://127.0.0.1:{port}");
        Http = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromMinutes(5) };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Port { get; }

    public Uri BaseUri { get; }

    public HttpClient Http { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    /// <summary>The last lines the server wrote (stdout and stderr), for error reports.</summary>
    public string RecentOutput
    {
        get
        {
            lock (output)
            {
                return string.Join(Environment.NewLine, output);
            }
        }
    }

    /// <summary><c>--silo-port P --gateway-port Q</c> on free ports, for a server that hosts a silo.</summary>
    public static string[] SiloPortArgs() =>
        ["--silo-port", Ports.Free().ToString(CultureInfo.InvariantCulture), "--gateway-port", Ports.Free().ToString(CultureInfo.InvariantCulture)];

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/> --port P</c> on a free port.</summary>
    public static ChildProcess Start(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var port = Ports.Free();
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(CultureInfo.InvariantCulture));
        // The product's settings must not leak in from the driver's environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Orleans__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("RateLimits__", StringComparison.OrdinalIgnoreCase)
                     || k.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Cluster silos require a master key (the same on every silo): one random key per bench run.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Encryption__MasterKey")))
        {
            start.Environment["Encryption__MasterKey"] = RunMasterKey;
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {name} server");
        return new ChildProcess(name, process, port);
    }

    /// <summary>Polls <c>/ready</c> (a grain call round trip) until it answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var stopwatch = Stopwatch.StartNew();
        using var probe = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(5) };
        while (stopwatch.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"the {Name} server exited with code {process.ExitCode} before it was ready:{Environment.NewLine}{RecentOutput}");
            }
            try
            {
                using var response = await probe.GetAsync("/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the {Name} server was not ready after {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>Starts a server and waits until it is ready; kills it if it never gets there.</summary>
    public static async Task<ChildProcess> StartReadyAsync(string name, string dll, IEnumerable<string> args, TimeSpan timeout,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var server = Start(name, dll, args, environment);
        try
        {
            await server.WaitReadyAsync(timeout);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Task<string> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<string> PostAsync(string path) => SendAsync(HttpMethod.Post, path);

    private async Task<string> SendAsync(HttpMethod method, string path)
    {
        using var request = new HttpRequestMessage(method, path);
        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body
            : throw new InvalidOperationException($"{method} {path} on the {Name} server: HTTP {(int)response.StatusCode} {body}{Environment.NewLine}{RecentOutput}");
    }

    /// <summary>Methods the server's JIT has compiled so far (<c>/bench/jit</c>; null if it does not answer).</summary>
    public long? JitMethods() => Counter("/bench/jit");

    /// <summary>Bytes the server has allocated so far (<c>/bench/alloc</c>; null if it does not answer).</summary>
    public long? AllocatedBytes() => Counter("/bench/alloc");

    private long? Counter(string path)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            using var response = Http.Send(request);
            using var reader = new StreamReader(response.Content.ReadAsStream());
            return long.TryParse(reader.ReadToEnd(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>Asks the server to shut down gracefully (<c>/bench/shutdown</c>: the silo leaves the cluster), then kills it if it lingers.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            using var response = await Http.PostAsync("/bench/shutdown", content: null, cts.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // it is going away anyway
        }
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Http.Dispose();
        process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (output)
        {
            output.Enqueue(line);
            while (output.Count > KeptLines)
            {
                output.Dequeue();
            }
        }
    }
}
