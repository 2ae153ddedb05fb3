using System.Text.Json.Serialization;

namespace ApiHost.Api;

/// <summary>
/// One error as the document defines it: HTTP status, dotted <c>category.specific</c> code, stable
/// category, message and recovery advice. Every error the API returns is built here, so codes,
/// statuses and recovery hints stay consistent across endpoints.
/// </summary>
public sealed record ApiError(
    int Status,
    string Code,
    string Category,
    string Message,
    Recovery Recovery,
    object? Details = null,
    object? Data = null)
{
    public static ApiError BadRequest(string message, object? details = null) => new(400, "validation_error.bad_request",
        "validation_error", message, new("fix_request", false, "Read the message for what is missing or wrong."), details);

    public static ApiError InvalidFields(IReadOnlyDictionary<string, FieldError> fields) => new(400, "validation_error.invalid_fields",
        "validation_error", fields.Count == 1 ? fields.First().Value.Message : "Request body failed validation",
        new("fix_request", false, "Check the details.fields object for specific field errors."), new { fields });

    public static ApiError BodyTooLarge(long limit) => new(413, "validation_error.body_too_large", "validation_error",
        $"Request body exceeds the {limit / 1024 / 1024} MB limit", new("fix_request", false, "Reduce the request body size."));

    public static ApiError PreconditionRequired() => new(428, "validation_error.precondition_required", "validation_error",
        "If-Match header is required for this operation",
        new("refetch_and_retry", false, "Fetch the resource to get its current ETag, then send it as If-Match: W/\"<n>\"."));

    public static ApiError InvalidCredentials(string message = "Missing or invalid API key") => new(401,
        "authentication_error.invalid_credentials", "authentication_error", message,
        new("check_credentials", false, "Send a valid key as Authorization: Bearer <key> or X-API-Key."));

    public static ApiError InsufficientScope(string requiredScope) => new(403, "authorization_error.insufficient_scope",
        "authorization_error", $"This operation requires the '{requiredScope}' scope",
        new("request_scope", false, $"Use a key that has the '{requiredScope}' scope."), new { required_scope = requiredScope });

    public static ApiError Forbidden(string code, string message, string hint) => new(403, code, "authorization_error", message,
        new("check_permissions", false, hint));

    public static ApiError CorsOriginDenied(string origin) => new(403, "authorization_error.cors_origin_denied", "authorization_error",
        $"Origin '{origin}' is not in this key's allowed origins",
        new("check_permissions", false, "Add the origin to the key's allowed_origins."), new { origin });

    public static ApiError NotFound(string message = "Resource not found") => new(404, "not_found", "not_found", message,
        new("check_resource_id", false, "Verify the resource ID exists and you have access to it."));

    public static ApiError MethodNotAllowed(IEnumerable<string> allowed) => new(405, "method_not_allowed", "validation_error",
        "HTTP method not supported for this endpoint", new("fix_request", false, "Check the Allow response header for the allowed methods."),
        new { allowed = allowed.ToArray() });

    public static ApiError Conflict(string code, string message, object? details = null, object? data = null) => new(409, code, "conflict",
        message, new("fix_request", false, "Fetch the resource to check its current state."), details, data);

    public static ApiError StaleVersion(object current) => new(412, "conflict.stale_version", "conflict",
        "Resource has been modified by another request. Refresh and retry.",
        new("refetch_and_retry", true, "Read the current resource version from response data, merge your changes, and retry with the new ETag."),
        Data: current);

    public static ApiError IdempotencyKeyReused() => new(409, "conflict.idempotency_key_reused", "conflict",
        "Idempotency key was already used with a different request",
        new("use_new_key", false, "Use a new unique idempotency key. If the original request succeeded, fetch the resource to check its state."));

    public static ApiError IdempotencyKeyInFlight(int retryAfterSeconds = 1) => new(409, "conflict.idempotency_key_in_flight", "conflict",
        "A request with this idempotency key is still being processed",
        new("retry_later", true, "Retry with the same key once the first request has completed.", retryAfterSeconds));

    public static ApiError RateLimited(int retryAfterSeconds, string message = "Too many requests") => new(429, "rate_limited",
        "rate_limited", message, new("retry_later", true, "Wait retry_after_seconds, then retry with exponential backoff.", retryAfterSeconds));

    public static ApiError Transient(int retryAfterSeconds, string message = "Service temporarily unavailable") => new(503,
        "transient_error", "transient_error", message,
        new("retry_later", true, "Retry after recovery.retry_after_seconds with exponential backoff (max 3 retries).", retryAfterSeconds));

    public static ApiError Internal() => new(500, "internal_error", "internal_error", "Internal server error",
        new("retry_later", true, "Safe to retry with backoff if idempotent; contact support with the ref value.", 5));
}

public sealed record Recovery(
    string Action,
    bool Retryable,
    string? Hint = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? RetryAfterSeconds = null);

/// <summary>One entry of <c>details.fields</c>: a machine code (required, invalid, too_long, ...) and a message.</summary>
public sealed record FieldError(string Code, string Message);

/// <summary>Thrown by request parsing and checks; the error middleware turns it into the envelope.</summary>
public sealed class ApiException(ApiError error) : Exception(error.Message)
{
    public ApiError Error { get; } = error;
}
