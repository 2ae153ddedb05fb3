namespace ApiHost.Api.Idempotency;

/// <summary>Endpoint metadata: this endpoint honours <c>Idempotency-Key</c> (see <see cref="IdempotencyMiddleware"/>).</summary>
public sealed class IdempotentEndpoint
{
    public static readonly IdempotentEndpoint Instance = new();

    private IdempotentEndpoint()
    {
    }
}

public static class IdempotencyExtensions
{
    /// <summary>
    /// Makes a mutating endpoint (POST, PATCH, DELETE) honour <c>Idempotency-Key</c>: a retry with the same key and
    /// request gets the first response again (201 as 200, <c>Idempotent-Replayed: true</c>) instead of changing twice.
    /// The endpoint must also <c>RequireScope</c>: keys are scoped to the caller's tenant and environment. Not for
    /// responses that show a secret once (API keys, a rotated webhook secret): a stored response would keep it.
    /// </summary>
    public static TBuilder WithIdempotency<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(IdempotentEndpoint.Instance);
}
