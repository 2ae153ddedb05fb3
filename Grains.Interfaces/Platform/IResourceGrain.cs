using Grains.Interfaces.Projections;

namespace Grains.Interfaces.Platform;

/// <summary>
/// The CRUD shape a plain resource grain (keyed <c>{partition}/{id}</c>) shares: create, read, and a change or deletion
/// at an expected version (none: the current one; a stale one is <c>conflict.stale_version</c>). A resource's own
/// interface derives from it and adds what is its own.
/// </summary>
public interface IResourceGrain<TFields, TView> : IGrainWithStringKey
    where TView : IVersionedView
{
    /// <summary><c>conflict.already_exists</c> when the id is taken; a broken field is <c>validation_error.invalid_fields</c>.</summary>
    Task<TView> Create(TFields fields);

    /// <summary>The resource; <c>not_found</c> when it does not exist.</summary>
    Task<TView> Get(CancellationToken cancellationToken = default);

    /// <summary>The given fields changed (<c>Cleared</c> names those set to nothing).</summary>
    Task<TView> Update(TFields changes, long? expectedVersion);

    Task Delete(long? expectedVersion);
}

/// <summary>Lists one partition's resources of a kind from the projection (a stateless worker keyed by partition).</summary>
public interface IResourceDirectoryGrain<TView> : IGrainWithStringKey
{
    Task<ListPage<TView>> List(ListQuery query, CancellationToken cancellationToken = default);
}

/// <summary>A resource view that carries the version its <c>ETag</c> and <c>If-Match</c> name.</summary>
public interface IVersionedView
{
    long Version { get; }
}
