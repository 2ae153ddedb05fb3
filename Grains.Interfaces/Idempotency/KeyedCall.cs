namespace Grains.Interfaces.Idempotency;

/// <summary>A keyed request as a grain sees it: the key (partition-scoped), the request's fingerprint and the method it runs.</summary>
public sealed record KeyedCall(string Key, string Fingerprint, string Method);
