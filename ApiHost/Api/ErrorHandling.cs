using System.Text.Json;

namespace ApiHost.Api;

/// <summary>
/// Turns every failure into the document's envelope: client mistakes keep their precise 4xx code,
/// anything unexpected becomes 500 <c>internal_error</c> with the request's ref (never a stack trace).
/// Also answers unknown routes (404) and wrong methods (405 with Allow) in the envelope.
/// </summary>
public sealed class ErrorHandlingMiddleware(RequestDelegate next, ILogger<ErrorHandlingMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        context.Response.Headers["X-Request-Id"] = RequestIds.Of(context);
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.ContentLength is null && IsApiPath(context.Request.Path))
            {
                await WriteStatusOnlyResponseAsync(context);
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            var error = Classify(ex);
            if (error.Status >= 500)
            {
                logger.LogError(ex, "Unhandled error for {Method} {Path} ref {Ref}", context.Request.Method, context.Request.Path, RequestIds.Of(context));
            }
            await ReplaceWithErrorAsync(context, error);
        }
    }

    /// <summary>Discards what was written so far (status, headers, buffered body) and writes the error envelope.</summary>
    public static Task ReplaceWithErrorAsync(HttpContext context, ApiError error)
    {
        context.Response.Clear();
        context.Response.Headers["X-Request-Id"] = RequestIds.Of(context);
        return ApiResults.WriteErrorAsync(context, error);
    }

    private static bool IsApiPath(PathString path) => !path.StartsWithSegments("/dashboard");

    /// <summary>Routing answered without a body (no endpoint, or no endpoint for this method).</summary>
    private static Task WriteStatusOnlyResponseAsync(HttpContext context)
    {
        switch (context.Response.StatusCode)
        {
            case 404 when context.GetEndpoint() is null:
                return ApiResults.WriteErrorAsync(context, ApiError.NotFound("No such endpoint: " + context.Request.Path));
            case 405:
                var allow = context.Response.Headers.Allow.ToString();
                return ApiResults.WriteErrorAsync(context, ApiError.MethodNotAllowed(allow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)));
            default:
                return Task.CompletedTask;
        }
    }

    /// <summary>The error a failure is answered with (shared with the idempotency middleware, which stores it).</summary>
    public static ApiError Classify(Exception ex) => ex switch
    {
        ApiException api => api.Error,
        Grains.Interfaces.Platform.DomainException domain => DomainErrors.ToApiError(domain),
        BadHttpRequestException { StatusCode: 413 } => ApiError.BodyTooLarge(RequestBody.MaxBytes),
        BadHttpRequestException bad => ApiError.BadRequest(bad.Message),
        JsonException => ApiError.BadRequest("Malformed JSON body"),
        OperationCanceledException => ApiError.Transient(1, "The request was cancelled or timed out"),
        TimeoutException => ApiError.Transient(5, "The request timed out; retry shortly"),
        Grains.Interfaces.Platform.StorageUnavailableException or System.Data.Common.DbException
            or Orleans.Runtime.OrleansException { InnerException: System.Data.Common.DbException } =>
            ApiError.Transient(2, "Storage is temporarily unavailable; retry shortly"),
        Orleans.Runtime.SiloUnavailableException or Orleans.Runtime.OrleansMessageRejectionException => ApiError.Transient(5),
        _ => ApiError.Internal(),
    };
}
