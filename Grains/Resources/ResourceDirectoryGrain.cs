using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Projections;

namespace Grains.Resources;

/// <summary>
/// Lists one partition's resources of one type (the grain's key is the partition) from the projection rows their
/// <see cref="ResourceGrain{TState,TRecord}"/> wrote, searched by plain words, each row's <see cref="ResourceDocuments"/>
/// document read back as the view. A directory derives from it with its resource type (and is a stateless worker).
/// </summary>
public abstract class ResourceDirectoryGrain<TView>(IProjectionStore projections, string resourceType) : Grain, IResourceDirectoryGrain<TView>
{
    public Task<ListPage<TView>> List(ListQuery query, CancellationToken cancellationToken = default) =>
        ProjectionLists.PageAsync(projections, this.GetPrimaryKeyString(), resourceType, query, ResourceDocuments.Read<TView>, cancellationToken);
}
