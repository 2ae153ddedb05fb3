using System.Security.Cryptography;
using System.Text;
using ApiHost.Auth;
using Grains.Interfaces.Idempotency;
using Grains.Platform.Telemetry;

namespace ApiHost.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on endpoints marked <see cref="IdempotencyExtensions.WithIdempotency"/>. Runs after
/// authentication (keys are scoped to the caller's tenant+environment). The first request with a key
/// proceeds while its <see cref="IIdempotencyGrain"/> marks it in flight; its response is captured,
/// stored and then sent. Later requests with the key get that response again, or 409 when the key is
/// still in flight or was used for a different request. 5xx (and 408/429) responses are not stored:
/// the key is released so the client's retry runs again.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IGrainFactory grains, ILogger<IdempotencyMiddleware> logger)
{
    public const string HeaderName = "Idempotency-Key";
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is null ||
            !context.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            await next(context);
            return;
        }
        var key = values.Count == 1 ? values[0] ?? "" : "";
        if (key.Length is 0 or > IdempotencyPolicy.MaxKeyLength)
        {
            throw new ApiException(ApiError.BadRequest(
                $"{HeaderName} must be one value of 1 to {IdempotencyPolicy.MaxKeyLength} characters",
                new { header = HeaderName }));
        }

        var caller = context.Caller();
        var body = await RequestBody.ReadBytesAsync(context.Request, context.RequestAborted);
        var grain = grains.GetGrain<IIdempotencyGrain>(IdempotencyPolicy.GrainKey(caller.Partition, key));
        var claim = await grain.Begin(Fingerprint(caller.Partition, context.Request, body));
        switch (claim.Outcome)
        {
            case IdempotencyOutcome.Replay:
                await ReplayAsync(context, claim.Response!);
                return;
            case IdempotencyOutcome.InFlight:
                throw new ApiException(ApiError.IdempotencyKeyInFlight());
            case IdempotencyOutcome.Mismatch:
                throw new ApiException(ApiError.IdempotencyKeyReused());
        }
        await RunAndStoreAsync(context, grain, claim.Lease);
    }

    /// <summary>
    /// SHA-256 over tenant+environment, method, path, query and the raw body. <c>/api/v1</c> is the same
    /// resource as <c>/v1</c>, so a retry through the other prefix is still the same request.
    /// </summary>
    public static string Fingerprint(string partition, HttpRequest request, ReadOnlySpan<byte> body)
    {
        var path = request.Path.Value ?? "";
        if (path.StartsWith("/api/v1", StringComparison.OrdinalIgnoreCase))
        {
            path = path["/api".Length..];
        }
        // Newline-separated: none of the fields before the body can contain one.
        var head = Encoding.UTF8.GetBytes($"{partition}\n{request.Method.ToUpperInvariant()}\n{path}\n{request.QueryString.Value}\n");
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(head);
        sha.AppendData(body);
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Whether a response is final for its key. Server errors and "retry later" answers are not.</summary>
    public static bool IsStored(int status) => status < 500 && status is not (408 or 429);

    private async Task RunAndStoreAsync(HttpContext context, IIdempotencyGrain grain, Guid lease)
    {
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            try
            {
                await next(context);
            }
            catch (Exception ex)
            {
                // Answer here what ErrorHandlingMiddleware would, so what is stored is exactly what the client gets.
                var error = ErrorHandlingMiddleware.Classify(ex);
                if (!IsStored(error.Status) || context.Response.HasStarted)
                {
                    await ReleaseAsync(grain, lease);
                    throw; // ErrorHandlingMiddleware logs it and writes the envelope.
                }
                await ErrorHandlingMiddleware.ReplaceWithErrorAsync(context, error);
            }
            await context.Response.BodyWriter.FlushAsync(CancellationToken.None);
        }
        finally
        {
            context.Response.Body = original;
        }

        var response = context.Response;
        if (IsStored(response.StatusCode))
        {
            var stored = new IdempotentResponse(response.StatusCode, response.ContentType, buffer.ToArray(),
                NullIfEmpty(response.Headers.ETag.ToString()), NullIfEmpty(response.Headers.Location.ToString()));
            try
            {
                // Even when the client has gone: storing the result is what makes its retry safe.
                if (!await grain.Complete(lease, stored))
                {
                    logger.LogWarning("Idempotency lease for {Path} expired before the response was stored; a retry may have run in parallel",
                        context.Request.Path);
                }
            }
            catch (Exception ex)
            {
                // The resource exists, so the client must still get the real response; a retry after the lease may repeat the operation.
                logger.LogError(ex, "Could not store the idempotent response for {Path} ref {Ref}", context.Request.Path, RequestIds.Of(context));
            }
        }
        else
        {
            await ReleaseAsync(grain, lease);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    private async Task ReleaseAsync(IIdempotencyGrain grain, Guid lease)
    {
        try
        {
            await grain.Release(lease);
        }
        catch (Exception ex)
        {
            // The in-flight mark then lapses with its lease.
            logger.LogWarning(ex, "Could not release an idempotency key");
        }
    }

    private static async Task ReplayAsync(HttpContext context, IdempotentResponse stored)
    {
        var response = context.Response;
        response.StatusCode = stored.Status == StatusCodes.Status201Created ? StatusCodes.Status200OK : stored.Status;
        response.ContentType = stored.ContentType;
        if (stored.ETag is not null)
        {
            response.Headers.ETag = stored.ETag;
        }
        if (stored.Location is not null)
        {
            response.Headers.Location = stored.Location;
        }
        response.Headers[ReplayedHeader] = "true";
        SalesboothMetrics.IdempotentReplay();
        response.ContentLength = stored.Body.Length;
        await response.Body.WriteAsync(stored.Body, context.RequestAborted);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
