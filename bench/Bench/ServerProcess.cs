using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bench;

/// <summary>A server-role child process: this same DLL with <c>--server</c>, reached over loopback HTTP.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private readonly Process process;
    private readonly Queue<string> output = new();

    private ServerProcess(string name, Process process, int port)
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

    /// <summary>Extra environment for every server process (<c>--server-env</c>).</summary>
    public static IReadOnlyDictionary<string, string> ExtraEnvironment { get; set; } = new Dictionary<string, string>();

    private static readonly string RunMasterKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

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

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static ServerProcess Start(string name, int port, IEnumerable<string> serverArgs)
    {
        var dll = typeof(ServerProcess).Assembly.Location;
        var host = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--server");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var arg in serverArgs)
        {
            start.ArgumentList.Add(arg);
        }
        // The product's settings must not leak in from the driver's environment.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("Orleans__", StringComparison.OrdinalIgnoreCase)
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
        foreach (var (key, value) in ExtraEnvironment)
        {
            start.Environment[key] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start the {name} server");
        return new ServerProcess(name, process, port);
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

    public async Task<string> PostAsync(string path)
    {
        using var response = await Http.PostAsync(path, content: null);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"POST {path} on the {Name} server: HTTP {(int)response.StatusCode} {body}{Environment.NewLine}{RecentOutput}");
        }
        return body;
    }

    /// <summary>Methods the server's JIT has compiled so far (null if it does not answer).</summary>
    public long? JitMethods()
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/bench/jit");
            using var response = Http.Send(request);
            using var reader = new StreamReader(response.Content.ReadAsStream());
            return long.TryParse(reader.ReadToEnd(), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var count)
                ? count
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return null;
        }
    }

    /// <summary>Asks the server to shut down gracefully (the silo leaves the cluster), then kills it if it lingers.</summary>
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
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
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
