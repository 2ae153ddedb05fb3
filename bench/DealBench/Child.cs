using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DealBench;

/// <summary>A server child process (this DLL with <c>--server</c>, or the foundation bench's server), reached over loopback HTTP.</summary>
public sealed class Child : IAsyncDisposable
{
    private readonly Process process;
    private readonly Queue<string> output = new();

    private Child(string name, Process process, int port)
    {
        Name = name;
        this.process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(5) };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    private static readonly string RunMasterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public string Name { get; }

    public HttpClient Http { get; }

    public int ProcessId => process.Id;

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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static Child Start(string name, string dll, int port, IEnumerable<string> args)
    {
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
        // The product's settings must not leak in from the driver's environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Orleans__", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("RateLimits__", StringComparison.OrdinalIgnoreCase)
                     || k.Equals("ASPNETCORE_URLS", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // Cluster silos require a master key: one random key per run, shared by every server of the run.
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("Encryption__MasterKey")))
        {
            start.Environment["Encryption__MasterKey"] = RunMasterKey;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {name} server");
        return new Child(name, process, port);
    }

    /// <summary>Polls <c>/ready</c> (a grain call round trip) until it answers 200.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"the {Name} server exited with code {process.ExitCode}:{Environment.NewLine}{RecentOutput}");
            }
            try
            {
                using var response = await Http.GetAsync("/ready");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"the {Name} server was not ready after {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}");
    }

    public async Task<string> GetAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body
            : throw new InvalidOperationException($"GET {path} on the {Name} server: HTTP {(int)response.StatusCode} {body}");
    }

    public async Task<string> PostAsync(string path)
    {
        using var response = await Http.PostAsync(path, content: null);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body
            : throw new InvalidOperationException($"POST {path} on the {Name} server: HTTP {(int)response.StatusCode} {body}{Environment.NewLine}{RecentOutput}");
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
            if (output.Count > 200)
            {
                output.Dequeue();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            try
            {
                using var response = await Http.PostAsync("/bench/shutdown", content: null);
            }
            catch (HttpRequestException)
            {
                // already going away
            }
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        Http.Dispose();
        process.Dispose();
    }
}
