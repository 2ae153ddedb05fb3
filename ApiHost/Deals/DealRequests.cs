using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.Delegations;
using Grains.Interfaces.Deals;
using ApiHost.Api.Idempotency;
using Grains.Interfaces.Platform;

namespace ApiHost.Deals;

/// <summary>What every deal handler resolves from a request: the caller's deal grain, the actor, a line item id.</summary>
public static class DealRequests
{
    /// <summary>The caller's deal: its grain lives under the caller's partition, so other tenants' ids are not found.</summary>
    public static IDealGrain Deal(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDealGrain>(DealKeys.Grain(http.Caller().Partition, ResourceRequests.RequireId(id, DealKeys.IdPrefix, "Deal")));

    /// <summary>
    /// A new deal's grain under the caller's partition; a keyed request's id is derived from its key, so its retry
    /// reaches the deal the first attempt made (see <see cref="KeyedIds"/>).
    /// </summary>
    public static IDealGrain NewDeal(HttpContext http, IGrainFactory grains) =>
        grains.GetGrain<IDealGrain>(DealKeys.Grain(http.Caller().Partition, KeyedIds.NewDeal(http, http.Caller().Partition)));

    public static DealActor Actor(HttpContext http)
    {
        var caller = http.Caller();
        return new DealActor(caller.KeyId, "api_key", caller.Has("agent:execute") && !caller.Has("*"), DelegationEndpoints.HeaderId(http));
    }

    public static string RequireItemId(string? itemId) =>
        string.IsNullOrEmpty(itemId)
            ? throw new ApiException(ApiError.BadRequest("The item_id query parameter is required", new { parameter = "item_id" }))
            : ResourceRequests.IsWellFormedId(itemId, DealKeys.ItemPrefix) ? itemId : throw new ApiException(ApiError.NotFound("Line item not found"));

    /// <summary>Runs a versioned deal write; a stale version answers 412 with the deal as it is now.</summary>
    public static Task<DealView> WithCurrentOnStale(IDealGrain grain, Func<Task<DealView>> write) =>
        ResourceRequests.WithCurrentOnStale(write, async () => DealContract.Single(await grain.Get()));

    public static IResult Ok(DealView deal) => ApiResults.Ok(DealContract.Single(deal), deal.Version);
}
