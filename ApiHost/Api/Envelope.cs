using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApiHost.Api;

/// <summary>Success envelope: <c>{"error":false,"success":true,"data":...}</c>.</summary>
public sealed record SuccessEnvelope<T>(T Data)
{
    [JsonPropertyOrder(-2)] public bool Error => false;
    [JsonPropertyOrder(-1)] public bool Success => true;
}

/// <summary>Error envelope: <c>{"error":true,"code","category","message","recovery","ref","details","data"}</c>.</summary>
public sealed record ErrorEnvelope(
    string Code,
    string Category,
    string Message,
    Recovery Recovery,
    string Ref,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Details,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] object? Data)
{
    [JsonPropertyOrder(-1)] public bool Error => true;
}

/// <summary>Results in the envelope. Endpoints return these; nothing else writes API bodies.</summary>
public static class ApiResults
{
    public static IResult Ok<T>(T data, long? version = null) => new EnvelopeResult<SuccessEnvelope<T>>(200, new(data), version);

    public static IResult Created<T>(T data, long? version = null) => new EnvelopeResult<SuccessEnvelope<T>>(201, new(data), version);

    public static IResult Error(ApiError error) => new ErrorResult(error);

    /// <summary>Writes an error directly (middleware, where no endpoint result exists).</summary>
    public static Task WriteErrorAsync(HttpContext context, ApiError error) => new ErrorResult(error).ExecuteAsync(context);

    /// <summary>The weak ETag for a resource version: <c>W/"5"</c>.</summary>
    public static string ETag(long version) => $"W/\"{version}\"";

    private sealed class EnvelopeResult<T>(int status, T body, long? version) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => status;

        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = status;
            if (version is { } v)
            {
                context.Response.Headers.ETag = ETag(v);
            }
            return context.Response.WriteAsJsonAsync(body, ApiJson.Options, "application/json; charset=utf-8");
        }
    }

    private sealed class ErrorResult(ApiError error) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => error.Status;

        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.StatusCode = error.Status;
            if (error.Recovery.RetryAfterSeconds is { } retryAfter && error.Status is 409 or 429 or 503)
            {
                context.Response.Headers.RetryAfter = retryAfter.ToString();
            }
            var body = new ErrorEnvelope(error.Code, error.Category, error.Message, error.Recovery,
                RequestIds.Of(context), error.Details, error.Data);
            return context.Response.WriteAsJsonAsync(body, ApiJson.Options, "application/json; charset=utf-8");
        }
    }
}
