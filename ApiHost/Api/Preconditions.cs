using System.Globalization;

namespace ApiHost.Api;

/// <summary>
/// Optimistic locking on the wire: responses carry <c>ETag: W/"n"</c>; PATCH and DELETE must send
/// <c>If-Match</c> as <c>W/"n"</c>, <c>"n"</c> or bare <c>n</c> (the document shows both forms).
/// </summary>
public static class Preconditions
{
    /// <summary>The version the client expects; 428 when the header is missing, 400 when unreadable.</summary>
    public static long RequireIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            throw new ApiException(ApiError.PreconditionRequired());
        }
        return TryParse(header, out var version)
            ? version
            : throw new ApiException(ApiError.BadRequest("If-Match must be a resource version such as W/\"5\" or 5"));
    }

    /// <summary>The version in If-Match when the client sent one (checked then), null when it did not; 400 when unreadable.</summary>
    public static long? OptionalIfMatch(HttpRequest request)
    {
        var header = request.Headers.IfMatch.ToString().Trim();
        if (header.Length == 0)
        {
            return null;
        }
        return TryParse(header, out var version)
            ? version
            : throw new ApiException(ApiError.BadRequest("If-Match must be a resource version such as W/\"5\" or 5"));
    }

    public static bool TryParse(string header, out long version)
    {
        var value = header.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal))
        {
            value = value[2..];
        }
        value = value.Trim('"');
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out version) && version >= 0;
    }
}
