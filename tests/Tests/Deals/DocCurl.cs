using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Tests.Deals;

/// <summary>
/// Runs a curl example copied verbatim from the Salesbooth document against the test server: the base URL
/// (<c>https://api.salesbooth.com</c>), the example key and the example ids are swapped, nothing else.
/// </summary>
public static partial class DocCurl
{
    public const string DocBaseUrl = "https://api.salesbooth.com";
    public const string DocKey = "sb_test_example_key_do_not_use";

    /// <summary>The document's agent key placeholder (§Delegations): the test passes the key it stands for.</summary>
    public const string DocAgentKey = "sb_agent_key_do_not_use";

    public sealed record Request(HttpMethod Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string? Body);

    public static Request Parse(string curl)
    {
        var text = curl.Replace("\\\n", " ", StringComparison.Ordinal).Replace("\\\r\n", " ", StringComparison.Ordinal);
        var method = Token().Match(text) is { Success: true } m ? new HttpMethod(m.Groups[1].Value) : null;
        var url = Url().Match(text).Groups[1].Value;
        var headers = Header().Matches(text).Select(h => (h.Groups[1].Value.Trim(), h.Groups[2].Value.Trim())).ToList();
        var data = Data().Match(text);
        var body = data.Success ? data.Groups[1].Value : null;
        return new Request(method ?? (body is null ? HttpMethod.Get : HttpMethod.Post), url, headers, body);
    }

    /// <summary>Sends the example with <paramref name="swaps"/> (example id → real id) applied to its URL, headers and body.</summary>
    public static async Task<(HttpResponseMessage Response, JsonElement Body)> RunAsync(HttpClient http, string key, string curl,
        IReadOnlyDictionary<string, string> swaps)
    {
        var parsed = Parse(curl);
        string Swap(string s) => swaps.Aggregate(s, (acc, kv) => acc.Replace(kv.Key, kv.Value, StringComparison.Ordinal));
        Assert.StartsWith(DocBaseUrl, parsed.Url);
        using var request = new HttpRequestMessage(parsed.Method, Swap(parsed.Url[DocBaseUrl.Length..]));
        foreach (var (name, value) in parsed.Headers)
        {
            if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Contains(value, new[] { $"Bearer {DocKey}", $"Bearer {DocAgentKey}" });
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            }
            else if (!name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                request.Headers.TryAddWithoutValidation(name, Swap(value));
            }
        }
        if (parsed.Body is { } body)
        {
            request.Content = new StringContent(Swap(body), Encoding.UTF8,
                parsed.Headers.FirstOrDefault(h => h.Name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)).Value ?? "application/json");
        }
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [GeneratedRegex(@"-X\s+([A-Z]+)")]
    private static partial Regex Token();

    [GeneratedRegex("curl\\s+(?:-X\\s+[A-Z]+\\s+)?\"?(https://[^\"\\s]+)\"?")]
    private static partial Regex Url();

    [GeneratedRegex("-H\\s+\"([^:\"]+):([^\"]*)\"")]
    private static partial Regex Header();

    [GeneratedRegex(@"-d\s+'(.*?)'(?=\s*$)", RegexOptions.Singleline)]
    private static partial Regex Data();
}
