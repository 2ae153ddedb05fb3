namespace Grains.Interfaces.Tenants;

/// <summary>A key just created: its record and the secret, which exists only in this answer (it is stored hashed).</summary>
[GenerateSerializer, Immutable, Alias("tenants.issued-api-key")]
public sealed record IssuedApiKey([property: Id(0)] ApiKeyRecord Record, [property: Id(1)] string Secret);
