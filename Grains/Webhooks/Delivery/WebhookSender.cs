using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Grains.Webhooks.Delivery;

/// <summary>What one HTTP attempt came to. Success is a 2xx within <see cref="WebhookSender.Timeout"/>.</summary>
public sealed record WebhookAttemptOutcome(bool Success, int? StatusCode, string? Error, TimeSpan? RetryAfter, string? ResponseBody,
    long LatencyMs)
{
    /// <summary>410 Gone: the receiver says the endpoint no longer exists.</summary>
    public bool Gone => StatusCode == (int)HttpStatusCode.Gone;
}

/// <summary>
/// Posts signed payloads. The handler refuses private targets at connect time (<see cref="WebhookTargetGuard"/>) and
/// never follows redirects (a 3xx is a failed attempt). Never throws for the receiver's behaviour: every outcome
/// is a <see cref="WebhookAttemptOutcome"/>.
/// </summary>
public sealed class WebhookSender(HttpClient http)
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    public const int MaxResponseBodyChars = 1024;

    public async Task<WebhookAttemptOutcome> SendAsync(Uri url, byte[] body, IEnumerable<KeyValuePair<string, string>> headers,
        bool readBody, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var text = readBody ? await ReadPrefix(response, timeout.Token) : null;
            var latency = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var code = (int)response.StatusCode;
            var success = code is >= 200 and < 300;
            return new WebhookAttemptOutcome(success, code, success ? null : $"Receiver answered {code} {response.ReasonPhrase}".TrimEnd(),
                RetryAfter(response), text, latency);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failure($"Timed out after {Timeout.TotalSeconds:0} s", started);
        }
        catch (HttpRequestException ex)
        {
            return Failure(ex.InnerException is { } inner and not HttpRequestException ? $"{ex.Message} ({inner.Message})" : ex.Message, started);
        }
    }

    private static WebhookAttemptOutcome Failure(string error, long started) =>
        new(false, null, error, null, null, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);

    /// <summary>Seconds or an HTTP date, as RFC 9110 allows; ignored when absent or in the past.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta && delta > TimeSpan.Zero)
        {
            return delta;
        }
        if (header?.Date is { } date && date - DateTimeOffset.UtcNow is { } wait && wait > TimeSpan.Zero)
        {
            return wait;
        }
        return null;
    }

    private static async Task<string> ReadPrefix(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[MaxResponseBodyChars * 4];
        var read = 0;
        int n;
        while (read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken)) > 0)
        {
            read += n;
        }
        var text = Encoding.UTF8.GetString(buffer, 0, read);
        return text.Length > MaxResponseBodyChars ? text[..MaxResponseBodyChars] : text;
    }
}
