using System.Net.Http.Json;
using System.Text.Json;

namespace Tests.Infrastructure;

/// <summary>
/// The real SMTP server email tests send to: smtp4dev on loopback, started by <c>.ci/run</c> (see README). Its SMTP
/// port comes from <c>SMTP4DEV_SMTP_PORT</c> and its HTTP API from <c>SMTP4DEV_URL</c>; with <c>REQUIRE_SMTP4DEV=1</c>
/// (as in CI) tests that need it fail instead of being skipped when it is not configured.
/// </summary>
public static class TestSmtp
{
    public static int? SmtpPort => int.TryParse(Environment.GetEnvironmentVariable("SMTP4DEV_SMTP_PORT"), out var port) ? port : null;

    public static string? ApiUrl => Environment.GetEnvironmentVariable("SMTP4DEV_URL") is { Length: > 0 } url ? url.TrimEnd('/') : null;

    public static bool Required => Environment.GetEnvironmentVariable("REQUIRE_SMTP4DEV") == "1";

    public static bool Configured => SmtpPort is not null && ApiUrl is not null;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static string Api => ApiUrl ?? throw new InvalidOperationException("smtp4dev is required but SMTP4DEV_URL / SMTP4DEV_SMTP_PORT are not set.");

    /// <summary>The ids of the received messages addressed to <paramref name="to"/>.</summary>
    public static async Task<IReadOnlyList<string>> MessagesTo(string to)
    {
        var list = await Http.GetFromJsonAsync<JsonElement>($"{Api}/api/messages?pageSize=1000");
        return [.. list.GetProperty("results").EnumerateArray()
            .Where(m => m.GetProperty("to").EnumerateArray().Any(t => string.Equals(t.GetString(), to, StringComparison.OrdinalIgnoreCase)))
            .Select(m => m.GetProperty("id").GetString()!)];
    }

    /// <summary>The message's headers (name → value; the last of a repeated one).</summary>
    public static async Task<IReadOnlyDictionary<string, string>> Headers(string id)
    {
        var message = await Http.GetFromJsonAsync<JsonElement>($"{Api}/api/messages/{id}");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in message.GetProperty("headers").EnumerateArray())
        {
            headers[header.GetProperty("name").GetString()!] = header.GetProperty("value").GetString()!;
        }
        return headers;
    }

    public static Task<string> PlainText(string id) => Http.GetStringAsync($"{Api}/api/messages/{id}/plaintext");

    public static Task<string> Html(string id) => Http.GetStringAsync($"{Api}/api/messages/{id}/html");
}
