namespace Grains.Interfaces.Platform;

/// <summary><c>validation_error.payment_provider_rejected</c>: what Stripe said (its error code and type).</summary>
[GenerateSerializer, Immutable, Alias("errors.payment-provider")]
public sealed record PaymentProviderDetails([property: Id(0)] string? StripeCode, [property: Id(1)] string? StripeType) : DomainErrorDetails;
