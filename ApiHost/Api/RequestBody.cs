using System.Buffers;
using System.Text.Json;

namespace ApiHost.Api;

/// <summary>Reads a request's JSON body: at most 1 MB, must be an object; an empty body is <c>{}</c>.</summary>
public static class RequestBody
{
    public const long MaxBytes = 1024 * 1024;

    // One options instance: a new one per request would rebuild the serializer's caches every time.
    private static readonly JsonSerializerOptions BodyJson = new() { MaxDepth = 32 };

    public static async Task<JsonElement> ReadObjectAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var bytes = await ReadBytesAsync(request, cancellationToken);
        if (bytes.Length == 0 || bytes.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return JsonDocument.Parse("{}").RootElement;
        }
        JsonElement body;
        try
        {
            body = JsonSerializer.Deserialize<JsonElement>(bytes, BodyJson);
        }
        catch (JsonException ex)
        {
            throw new ApiException(ApiError.BadRequest($"Malformed JSON body: {ex.Message.Split('.')[0]}"));
        }
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw new ApiException(ApiError.BadRequest("The request body must be a JSON object"));
        }
        return body;
    }

    /// <summary>The raw body (buffered so it can be read again, e.g. for idempotency fingerprints).</summary>
    /// <summary>An empty body means "all defaults" where every field is optional (test events, cleanup, actions).</summary>
    public static async Task<JsonElement> ReadOptionalObjectAsync(HttpRequest request, CancellationToken cancellationToken) =>
        request.ContentLength is 0 || (request.ContentLength is null && !request.Headers.ContainsKey("Transfer-Encoding"))
            ? JsonDocument.Parse("{}").RootElement
            : await ReadObjectAsync(request, cancellationToken);

    public static async Task<byte[]> ReadBytesAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBytes)
        {
            throw new ApiException(ApiError.BodyTooLarge(MaxBytes));
        }
        request.EnableBuffering(bufferThreshold: 64 * 1024, bufferLimit: MaxBytes + 32 * 1024);
        request.Body.Position = 0;
        // A pooled read buffer: the body is read on every write (and again for an idempotency fingerprint).
        var buffer = ArrayPool<byte>.Shared.Rent(request.ContentLength is > 0 and < 16 * 1024 and var length ? (int)length + 1 : 16 * 1024);
        try
        {
            var filled = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(filled), cancellationToken)) > 0)
            {
                filled += read;
                if (filled > MaxBytes)
                {
                    throw new ApiException(ApiError.BodyTooLarge(MaxBytes));
                }
                if (filled == buffer.Length)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, filled).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }
            }
            request.Body.Position = 0;
            return buffer.AsSpan(0, filled).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
