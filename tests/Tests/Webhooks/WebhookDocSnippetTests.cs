using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Grains.Webhooks.Delivery;

namespace Tests.Webhooks;

/// <summary>
/// Our deliveries must pass the receivers the Salesbooth document tells customers to write, so these run the
/// document's own Node and Python verifiers (DocSnippets/, copied from spec/002) on what we produce.
/// node and python3 are required: CI installs them, and a missing tool fails here instead of skipping.
/// </summary>
public sealed class WebhookDocSnippetTests
{
    private static readonly string SnippetDir = Path.Combine(AppContext.BaseDirectory, "Webhooks", "DocSnippets");

    // The Python snippet hard-codes its secret; signing with the same string lets it run unchanged.
    private const string PythonSnippetSecret = "your_webhook_signing_secret";

    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"id":"evt_abc123","event":"deal.created","created_at":"2026-03-09T10:30:00Z","data":{"deal_id":"deal_abc123","title":"Café — déjà vu ✓"}}""");

    public static TheoryData<string, string> NodeVerifiers => new()
    {
        { "verify-webhook.js", "verifyWebhook" },
        { "step8-verify-and-parse.js", "verifyAndParseWebhook" },
    };

    [Theory]
    [MemberData(nameof(NodeVerifiers))]
    public async Task Node_verifier_accepts_our_delivery(string snippet, string function)
    {
        var secret = WebhookSecrets.New();
        var headers = Deliver(secret, Now(), Body);

        var result = await RunNodeAsync(snippet, function, Body, headers, secret);

        Assert.StartsWith("ACCEPTED", result);
    }

    [Theory]
    [MemberData(nameof(NodeVerifiers))]
    public async Task Node_verifier_rejects_a_tampered_body(string snippet, string function)
    {
        var secret = WebhookSecrets.New();
        var headers = Deliver(secret, Now(), Body);

        var result = await RunNodeAsync(snippet, function, Tamper(Body), headers, secret);

        Assert.Equal("REJECTED Invalid signature", result);
    }

    [Theory]
    [MemberData(nameof(NodeVerifiers))]
    public async Task Node_verifier_rejects_a_delivery_signed_over_300_seconds_ago(string snippet, string function)
    {
        var secret = WebhookSecrets.New();
        var headers = Deliver(secret, Now() - 301, Body);

        var result = await RunNodeAsync(snippet, function, Body, headers, secret);

        Assert.StartsWith("REJECTED", result);
        Assert.DoesNotContain("Invalid signature", result);
    }

    [Fact]
    public async Task Python_verifier_accepts_our_delivery()
    {
        var result = await RunPythonAsync(Body, Deliver(PythonSnippetSecret, Now(), Body));

        Assert.Equal("ACCEPTED 200", result);
    }

    [Fact]
    public async Task Python_verifier_rejects_a_tampered_body()
    {
        var result = await RunPythonAsync(Tamper(Body), Deliver(PythonSnippetSecret, Now(), Body));

        Assert.Equal("REJECTED 400 Invalid signature", result);
    }

    [Fact]
    public async Task Python_verifier_rejects_a_delivery_signed_over_300_seconds_ago()
    {
        var result = await RunPythonAsync(Body, Deliver(PythonSnippetSecret, Now() - 301, Body));

        Assert.Equal("REJECTED 400 Stale webhook", result);
    }

    [Fact]
    public async Task Python_verifier_rejects_a_delivery_signed_with_another_secret()
    {
        var result = await RunPythonAsync(Body, Deliver(WebhookSecrets.New(), Now(), Body));

        Assert.Equal("REJECTED 400 Invalid signature", result);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private static IReadOnlyList<KeyValuePair<string, string>> Deliver(string secret, long unixSeconds, byte[] body) =>
        WebhookSignatures.Headers(WebhookSignatures.SalesboothScheme, secret, WebhookSecrets.New(),
            "evt_abc123", "deal.created", "whd_abc123", unixSeconds, body, replayed: false);

    private static byte[] Tamper(byte[] body)
    {
        // Same length, one character different: "deal_abc123" becomes "deal_abc124".
        var text = Encoding.UTF8.GetString(body).Replace("deal_abc123", "deal_abc124", StringComparison.Ordinal);
        Assert.NotEqual(Encoding.UTF8.GetString(body), text);
        return Encoding.UTF8.GetBytes(text);
    }

    private static string Header(IReadOnlyList<KeyValuePair<string, string>> headers, string name) =>
        Assert.Single(headers, h => h.Key == name).Value;

    private static Task<string> RunNodeAsync(string snippet, string function, byte[] body,
        IReadOnlyList<KeyValuePair<string, string>> headers, string secret)
    {
        var input = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["body_b64"] = Convert.ToBase64String(body),
            ["signature"] = Header(headers, "X-Salesbooth-Signature"),
            ["timestamp"] = Header(headers, "X-Salesbooth-Timestamp"),
            ["secret"] = secret,
        });
        return RunAsync("node", input, Path.Combine(SnippetDir, "run-node-verifier.js"), Path.Combine(SnippetDir, snippet), function);
    }

    private static async Task<string> RunPythonAsync(byte[] body, IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        // The snippet does `from flask import ...`; Flask is not installed, so a stand-in named flask.py goes
        // into a private folder that the driver puts first on sys.path.
        var shimDir = Directory.CreateTempSubdirectory("webhook-flask-shim-");
        try
        {
            File.Copy(Path.Combine(SnippetDir, "flask_shim.py"), Path.Combine(shimDir.FullName, "flask.py"));
            var input = JsonSerializer.Serialize(new
            {
                headers = headers.ToDictionary(h => h.Key, h => h.Value),
                body_b64 = Convert.ToBase64String(body),
            });
            return await RunAsync("python3", input, Path.Combine(SnippetDir, "run_python_verifier.py"), shimDir.FullName,
                Path.Combine(SnippetDir, "verify_webhook.py"));
        }
        finally
        {
            shimDir.Delete(recursive: true);
        }
    }

    /// <summary>Runs a tool with JSON on stdin; returns the last line it printed.</summary>
    private static async Task<string> RunAsync(string tool, string stdin, params string[] args)
    {
        var exe = FindOnPath(tool) ?? throw new InvalidOperationException(
            $"'{tool}' was not found on PATH. The document-snippet webhook tests need node and python3 " +
            "(.ci/run installs them with apt: nodejs, python3).");
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        // No __pycache__ next to the test binaries; UTF-8 output whatever the box's locale.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONIOENCODING"] = "utf-8";

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {exe}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish within 60 s.");
        }
        var output = await stdout;
        var errors = await stderr;
        Assert.True(process.ExitCode == 0, $"{tool} exited with {process.ExitCode}: {errors}\n{output}");
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length > 0, $"{tool} printed nothing: {errors}");
        return lines[^1];
    }

    private static string? FindOnPath(string tool)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, tool);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }
}
