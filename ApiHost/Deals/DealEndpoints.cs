using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using Grains.Interfaces.Deals;
using Grains.Platform;

namespace ApiHost.Deals;

/// <summary>
/// <c>/v1/deals</c>, query-style as the document writes it (<c>?id=&amp;action=</c>) with path forms where it shows them.
/// Handlers parse, authorize, call the deal grain and shape the envelope; rules live in the grain.
/// GET actions: <see cref="DealQueries"/>; POST actions: <see cref="DealActions"/>.
/// </summary>
public static class DealEndpoints
{
    private static readonly Dictionary<string, string> PostScopes = new()
    {
        ["sign"] = "deals:sign",
        ["unsign"] = "deals:sign",
        ["create-configured"] = "agent:execute",
    };

    public static void MapDealEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("deals", group =>
        {
            group.MapGet("", DealQueries.Get).RequireScope("deals:read");
            group.MapGet("{id}", (HttpContext http, IGrainFactory grains, string id, CancellationToken ct) => DealQueries.One(http, grains, id, ct))
                .RequireScope("deals:read");
            group.MapGet("{id}/valid-transitions", (HttpContext http, IGrainFactory grains, string id) => DealQueries.ValidTransitions(http, grains, id))
                .RequireScope("deals:read");
            // Public: third parties verify a deal they were given, without a key.
            group.MapGet("verify", DealQueries.PublicVerify);
            group.MapPost("", DealActions.Post).RequireScope("deals:write", PostScopes).WithIdempotency();
            group.MapPatch("", Update).RequireScope("deals:write").WithIdempotency();
            group.MapPatch("{id}", Update).RequireScope("deals:write").WithIdempotency();
            group.MapDelete("", Delete).RequireScope("deals:write").WithIdempotency();
            group.MapDelete("{id}", Delete).RequireScope("deals:write").WithIdempotency();
        });
        app.MapApi("schema", group => group.MapGet("state-machine", DealQueries.StateMachine));
    }

    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var grain = Deal(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        var changes = DealContract.ReadUpdate(await RequestBody.ReadObjectAsync(http.Request, ct));
        var deal = await ResourceRequests.WithCurrentOnStale(() => grain.Update(changes, expected, Actor(http)), () => Current(grain));
        return ApiResults.Ok(DealContract.Single(deal), deal.Version);
    }

    /// <summary>Cancels (hard-deletes a cancelled deal), or with <c>action=remove_item&amp;item_id=</c> removes one line item.</summary>
    private static async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string? id, string? action, string? item_id)
    {
        var grain = Deal(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        switch (action)
        {
            case null or "":
                var deletion = await ResourceRequests.WithCurrentOnStale(() => grain.Delete(expected, Actor(http)), () => Current(grain));
                return deletion.Deal is { } cancelled
                    ? ApiResults.Ok(DealContract.Single(cancelled), cancelled.Version)
                    : ApiResults.Ok(new { id, deal_id = id, deleted = true });
            case "remove_item":
                var itemId = RequireItemId(item_id);
                var deal = await ResourceRequests.WithCurrentOnStale(() => grain.RemoveItem(itemId, expected, Actor(http)), () => Current(grain));
                return ApiResults.Ok(DealContract.Single(deal), deal.Version);
            default:
                throw new ApiException(ApiError.BadRequest($"Unknown action '{action}' for DELETE; supported: remove_item", new { parameter = "action" }));
        }
    }

    public static string RequireItemId(string? itemId) =>
        string.IsNullOrEmpty(itemId)
            ? throw new ApiException(ApiError.BadRequest("The item_id query parameter is required", new { parameter = "item_id" }))
            : ResourceRequests.IsWellFormedId(itemId, DealKeys.ItemPrefix) ? itemId : throw new ApiException(ApiError.NotFound("Line item not found"));

    /// <summary>The caller's deal: its grain lives under the caller's partition, so other tenants' ids are not found.</summary>
    public static IDealGrain Deal(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDealGrain>(DealKeys.Grain(http.Caller().Partition, ResourceRequests.RequireId(id, DealKeys.IdPrefix, "Deal")));

    public static DealActor Actor(HttpContext http)
    {
        var caller = http.Caller();
        return new DealActor(caller.KeyId, "api_key", caller.Has("agent:execute") && !caller.Has("*"));
    }

    public static async Task<object> Current(IDealGrain grain) => DealContract.Single(await grain.Get());

    /// <summary>A new deal id (derived from the key for a keyed request, tagged with the partition: see <see cref="DealIds"/>).</summary>
    public static string NewDealId(HttpContext http) => KeyedIds.NewDeal(http, http.Caller().Partition);
}
