using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;

namespace ApiHost.Deals;

/// <summary>
/// <c>/v1/deals</c>, query-style as the document writes it (<c>?id=&amp;action=</c>) with path forms where it shows them.
/// Handlers parse, authorize, call the deal grain and shape the envelope; rules live in the grain.
/// GET actions: <see cref="DealQueries"/>; POST actions: <see cref="DealActions"/>.
/// </summary>
public static class DealEndpoints
{
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
            group.MapPost("", DealActions.Post).RequireScope("deals:write", DealActions.Map.Scopes).WithIdempotency();
            group.MapPatch("", Update).RequireScope("deals:write").WithIdempotency();
            group.MapPatch("{id}", Update).RequireScope("deals:write").WithIdempotency();
            group.MapDelete("", Delete).RequireScope("deals:write").WithIdempotency();
            group.MapDelete("{id}", Delete).RequireScope("deals:write").WithIdempotency();
        });
        app.MapApi("schema", group => group.MapGet("state-machine", DealQueries.StateMachine));
    }

    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct)
    {
        var grain = DealRequests.Deal(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        var changes = DealContract.ReadUpdate(await RequestBody.ReadObjectAsync(http.Request, ct));
        return DealRequests.Ok(await DealRequests.WithCurrentOnStale(grain, () => grain.Update(changes, expected, DealRequests.Actor(http))));
    }

    /// <summary>Cancels (hard-deletes a cancelled deal), or with <c>action=remove_item&amp;item_id=</c> removes one line item.</summary>
    private static async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string? id, string? action, string? item_id)
    {
        var grain = DealRequests.Deal(http, grains, id);
        var expected = Preconditions.RequireIfMatch(http.Request);
        var actor = DealRequests.Actor(http);
        switch (action)
        {
            case null or "":
                var deletion = await ResourceRequests.WithCurrentOnStale(() => grain.Delete(expected, actor),
                    async () => DealContract.Single(await grain.Get()));
                return deletion.Deal is { } cancelled
                    ? DealRequests.Ok(cancelled)
                    : ApiResults.Ok(new { id, deal_id = id, deleted = true });
            case "remove_item":
                var itemId = DealRequests.RequireItemId(item_id);
                return DealRequests.Ok(await DealRequests.WithCurrentOnStale(grain, () => grain.RemoveItem(itemId, expected, actor)));
            default:
                throw new ApiException(ApiError.BadRequest($"Unknown action '{action}' for DELETE; supported: remove_item", new { parameter = "action" }));
        }
    }
}
