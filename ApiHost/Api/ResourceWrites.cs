using System.Text.Json;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using Grains.Interfaces.Platform;

namespace ApiHost.Api;

/// <summary>
/// The writes of a plain resource (<see cref="IResourceGrain{TFields,TView}"/>: accounts, contacts, email templates,
/// campaigns) as route handlers, built once per resource from its id prefix, grain key, body reader and response shape:
/// <c>POST</c> creates under a new (or the Idempotency-Key's) id and answers 201; <c>PATCH</c> and <c>DELETE</c> take an
/// optional <c>If-Match</c> and answer 412 with the current resource when it is stale (<see cref="ResourceRequests"/>).
/// </summary>
public sealed class ResourceWrites<TGrain, TFields, TView, TData>(
    string prefix,
    string what,
    Func<string, string, string> key,
    Func<JsonElement, bool, TFields> read,
    Func<TView, TData> shape)
    where TGrain : IResourceGrain<TFields, TView>
    where TView : IVersionedView
{
    /// <summary>The caller's resource: its grain under the caller's partition (400 without an id, 404 for a malformed one).</summary>
    public TGrain Grain(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<TGrain>(key(http.Caller().Partition, ResourceRequests.RequireId(id, prefix, what)));

    /// <summary>The response <c>data</c> of one resource.</summary>
    public TData Shape(TView view) => shape(view);

    public async Task<IResult> Create(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = read(await RequestBody.ReadObjectAsync(http.Request, ct), true);
        var created = await grains.GetGrain<TGrain>(key(http.Caller().Partition, KeyedIds.New(http, prefix))).Create(fields);
        return ApiResults.Created(shape(created), created.Version);
    }

    public async Task<IResult> Update(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var grain = Grain(http, grains, id);
        var expected = Preconditions.OptionalIfMatch(http.Request);
        var changes = read(await RequestBody.ReadObjectAsync(http.Request, ct), false);
        var updated = await ResourceRequests.WithCurrentOnStale(() => grain.Update(changes, expected), () => Current(grain));
        return ApiResults.Ok(shape(updated), updated.Version);
    }

    public async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string id)
    {
        var grain = Grain(http, grains, id);
        var expected = Preconditions.OptionalIfMatch(http.Request);
        await ResourceRequests.DeleteVersioned(() => grain.Delete(expected), () => Current(grain));
        return ApiResults.Ok(new ResourceDeleted(id, true));
    }

    /// <summary>The resource as it is now, for a 412's <c>data</c> (a versioned write of its own: <see cref="ResourceRequests.WithCurrentOnStale{T}"/>).</summary>
    public async Task<object> Current(TGrain grain) => shape(await grain.Get())!;
}
