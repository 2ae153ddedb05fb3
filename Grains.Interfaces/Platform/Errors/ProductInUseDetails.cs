namespace Grains.Interfaces.Platform;

/// <summary><c>conflict.product_in_use</c>: the product other resources still reference.</summary>
[GenerateSerializer, Immutable, Alias("errors.product-in-use")]
public sealed record ProductInUseDetails([property: Id(0)] string ProductId) : DomainErrorDetails;
