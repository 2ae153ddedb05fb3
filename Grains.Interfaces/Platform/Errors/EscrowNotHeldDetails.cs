namespace Grains.Interfaces.Platform;

/// <summary><c>conflict.escrow_not_held</c>: the deal's last escrow, which is no longer held, and why.</summary>
[GenerateSerializer, Immutable, Alias("errors.escrow-not-held")]
public sealed record EscrowNotHeldDetails(
    [property: Id(0)] string EscrowId,
    [property: Id(1)] string EscrowStatus,
    [property: Id(2)] string? RefundReason) : DomainErrorDetails;
