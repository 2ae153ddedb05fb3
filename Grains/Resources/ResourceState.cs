using Grains.Idempotency;
using Grains.Interfaces.Events;
using Grains.Platform;

namespace Grains.Resources;

/// <summary>
/// The persisted shape of a resource grain whose state is nothing but <see cref="IResourceState{TRecord}"/> (accounts,
/// contacts, email templates, emails): derive a sealed, aliased class from it.
/// </summary>
[GenerateSerializer]
public abstract class ResourceState<TRecord> : IResourceState<TRecord> where TRecord : class
{
    [Id(0)] public TRecord? Record { get; set; }
    [Id(1)] public bool Deleted { get; set; }
    [Id(2)] public long Version { get; set; }
    [Id(3)] public long ProjectionVersion { get; set; }
    [Id(4)] public List<OutboxEvent> Outbox { get; set; } = [];
    [Id(5)] public Dictionary<string, AppliedKey> AppliedKeys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Rows the next write derives (not serialized; see <see cref="IHoldsDerivedRows"/>).</summary>
    [field: NonSerialized]
    public DerivedRows? DerivedRows { get; set; }
}
