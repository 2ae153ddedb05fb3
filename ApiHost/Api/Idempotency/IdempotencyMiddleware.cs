using Grains.Interfaces.Telemetry;
using System.Security.Cryptography;
using System.Text;
using ApiHost.Auth;
using Grains.Interfaces.Idempotency;

namespace ApiHost.Api.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on endpoints marked <see cref="IdempotencyExtensions.WithIdempotency"/>. Runs after
/// authentication (keys are scoped to the caller's tenant+environment). The first request with a key proceeds while
/// its <see cref="IIdempotencyGrain"/> marks it in flight; the key and fingerprint travel to the grains with the call
/// (<see cref="KeyedChanges"/>), so the grain that commits the change stores its outcome in that same write, and the
/// ids a keyed create makes derive from the key (<see cref="KeyedIds"/>), so a retry reaches the same grain. The
/// response is captured and stored for fast replays. Later requests with the key get it again, or 409 when the key is
/// in flight or was used for a different request. A 5xx never releases the key (the change may have committed): it
/// stays in flight briefly (<see cref="IdempotencyPolicy.UnsettledHold"/>), then a retry runs and the grain answers it
/// from the committed change (<c>Idempotent-Replayed: true</c>) or runs it for the first time. Only 408/429, which
/// change nothing, release the key. See <c>docs/write-path.md</c>.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IGrainFactory grains, TimeProvider time, ILogger<IdempotencyMiddleware> logger)
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
        var grainKey = IdempotencyPolicy.GrainKey(caller.Partition, key);
        var grain = grains.GetGrain<IIdempotencyGrain>(grainKey);
        var fingerprint = Fingerprint(caller.Partition, context.Request, body);
        var claim = await grain.Begin(fingerprint);
        switch (claim.Outcome)
        {
            case IdempotencyOutcome.Replay:
                await ReplayAsync(context, claim.Response!);
                return;
            case IdempotencyOutcome.InFlight:
                throw new ApiException(ApiError.IdempotencyKeyInFlight(claim.RetryAfterSeconds));
            case IdempotencyOutcome.Mismatch:
                throw new ApiException(ApiError.IdempotencyKeyReused());
        }
        context.Features.Set(new KeyedIds(caller.Partition, claim.Seed));
        KeyedChanges.Enter(grainKey, fingerprint);
        var replays = KeyedChanges.ObserveReplays();
        try
        {
            await RunAndStoreAsync(context, grain, claim.Lease, replays);
        }
        finally
        {
            KeyedChanges.Leave();
        }
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

    /// <summary>Whether a response that is not stored certainly changed nothing (the key may be released): 408 and 429, not 5xx.</summary>
    private static bool ChangedNothing(int status) => status is 408 or 429;

    private async Task RunAndStoreAsync(HttpContext context, IIdempotencyGrain grain, Guid lease, ReplayFlag replays)
    {
        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            using var running = new CancellationTokenSource();
            var renewing = RenewWhileRunningAsync(grain, lease, running.Token);
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
                    await SettleAsync(grain, lease, error.Status);
                    throw; // ErrorHandlingMiddleware logs it and writes the envelope.
                }
                await ErrorHandlingMiddleware.ReplaceWithErrorAsync(context, error);
            }
            finally
            {
                await running.CancelAsync();
                await renewing;
            }
            await context.Response.BodyWriter.FlushAsync(CancellationToken.None);
        }
        finally
        {
            context.Response.Body = original;
        }

        var response = context.Response;
        if (replays.Replayed && IsStored(response.StatusCode))
        {
            // The grain answered from the change a previous attempt committed: this is that attempt's response.
            if (response.StatusCode == StatusCodes.Status201Created)
            {
                response.StatusCode = StatusCodes.Status200OK;
            }
            response.Headers[ReplayedHeader] = "true";
            SalesboothMetrics.IdempotentReplay();
        }
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
            await SettleAsync(grain, lease, response.StatusCode);
        }

        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>
    /// Keeps the key's in-flight lease alive while the request runs (<see cref="IdempotencyPolicy.RenewEvery"/>). A
    /// renewal that fails or hangs (the key's grain was on a silo that died) is not waited for: the lease then lapses
    /// and a retry may proceed, which the committing grain answers once.
    /// </summary>
    private async Task RenewWhileRunningAsync(IIdempotencyGrain grain, Guid lease, CancellationToken running)
    {
        try
        {
            while (true)
            {
                await Task.Delay(IdempotencyPolicy.RenewEvery, time, running);
                try
                {
                    if (!await grain.Renew(lease).WaitAsync(IdempotencyPolicy.RenewEvery, time, running))
                    {
                        return; // superseded: a retry holds the key now
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogWarning(ex, "Could not renew an idempotency lease; it lapses unless a later renewal succeeds");
                }
            }
        }
        catch (OperationCanceledException) when (running.IsCancellationRequested)
        {
            // The request is over.
        }
    }

    /// <summary>
    /// A response that is not stored: release the key if nothing changed, else keep it in flight for a short while.
    /// Bounded by <see cref="IdempotencyPolicy.UnsettledHold"/>: a settle that cannot reach the key's grain must not
    /// hold the client's answer; the unrenewed lease lapses by itself.
    /// </summary>
    private async Task SettleAsync(IIdempotencyGrain grain, Guid lease, int status)
    {
        try
        {
            var settle = ChangedNothing(status) ? grain.Release(lease) : grain.Unsettled(lease);
            await settle.WaitAsync(IdempotencyPolicy.UnsettledHold, time);
        }
        catch (Exception ex)
        {
            // The in-flight mark then lapses with its lease; a retry after it is answered by the grain.
            logger.LogWarning(ex, "Could not settle an idempotency key after status {Status}", status);
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
