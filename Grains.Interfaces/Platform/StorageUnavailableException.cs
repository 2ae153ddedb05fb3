namespace Grains.Interfaces.Platform;

/// <summary>
/// The database could not be reached or refused for a passing reason (connection lost, server restarting, too
/// many connections, a serialization failure): the operation did not commit and may be retried. Silos turn storage
/// driver errors into this (their own types have no codec, so they cannot cross a grain call); the API answers it
/// 503 <c>transient_error</c> with Retry-After.
/// </summary>
[GenerateSerializer, Alias("StorageUnavailableException")]
public sealed class StorageUnavailableException(string message) : Exception(message);

/// <summary>
/// A storage driver error that a retry will not fix (a bug or a broken schema), carried across the grain boundary
/// by its type name and message; the API answers it 500 <c>internal_error</c>.
/// </summary>
[GenerateSerializer, Alias("StorageFailureException")]
public sealed class StorageFailureException(string message) : Exception(message);
