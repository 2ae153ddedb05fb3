namespace Grains.Interfaces.Idempotency;

/// <summary>Set when a keyed call of the request was replayed (see <see cref="KeyedChanges.ObserveReplays"/>).</summary>
public sealed class ReplayFlag
{
    public bool Replayed { get; set; }
}
