namespace Grains.Interfaces.Platform;

/// <summary>One escrow condition not yet met (in <see cref="EscrowConditionsUnmetDetails"/>).</summary>
[GenerateSerializer, Immutable, Alias("errors.pending-escrow-condition")]
public sealed record PendingEscrowCondition([property: Id(0)] string Id, [property: Id(1)] string Type);
