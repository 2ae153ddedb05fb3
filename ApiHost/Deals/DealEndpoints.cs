using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Deals;

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
            group.MapGet("", DealQueries.Get).RequireScope("deals:read")
                .WithMetadata(DealQueries.Actions.QueryStyle("action"))
                .Operation<DealList>("listDeals", "List deals",
                    description: "With `?id=` answers one deal like getDeal; `?action=export` is exportDeals.")
                .ListQuery(DealQueries.ListFilters, DealStatuses.All);
            DealQueries.Actions.MapPathStyle(group, "GET", "deals:read",
                handler => (HttpContext http, IGrainFactory grains, string? id, CancellationToken ct) => handler(http, grains, id, ct), idempotent: false);
            group.MapGet("export", (HttpContext http, IGrainFactory grains, CancellationToken ct) => DealExport.Export(http, grains, ct))
                .RequireScope("deals:read").WithMetadata(new ApiOperation("exportDeals", "Export deals as CSV, JSON or JSON lines",
                    "The list filters apply; `format=csv|json|jsonl`; no envelope; 10 exports per hour. Also served as `GET ?action=export`."))
                .Produces<string>(200, "text/csv", "application/json", "application/x-ndjson")
                .ListQuery(DealQueries.ListFilters, DealStatuses.All, shaped: false);
            group.MapGet("{id}", (HttpContext http, IGrainFactory grains, string id, CancellationToken ct) => DealQueries.One(http, grains, id, ct))
                .RequireScope("deals:read").Operation<DealData>("getDeal", "Get a deal");
            group.MapGet("{id}/valid-transitions", (HttpContext http, IGrainFactory grains, string id) => DealQueries.ValidTransitions(http, grains, id))
                .RequireScope("deals:read").Operation<DealTransitionsData>("listDealTransitions", "The statuses a deal can move to now");
            // Public: third parties verify a deal they were given, without a key.
            group.MapGet("verify", DealQueries.PublicVerify).Operation<DealVerificationData>("verifyDeal", "Verify a deal's signature (public)");
            group.MapPost("", DealActions.Post).RequireScope("deals:write", DealActions.Map.Scopes).WithIdempotency()
                .WithMetadata(DealActions.Map.QueryStyle("id", "action", "item_id", "status"))
                .Operation<DealInput, DealData>("createDeal", "Create a deal", 201, "Answers 200 with `?validate_only=true`.");
            DealActions.Map.MapPathStyle(group, "POST", "deals:write", handler =>
                (HttpContext http, IGrainFactory grains, string? id, string? item_id, string? status, CancellationToken ct) =>
                    handler(new DealPost(http, grains, id, item_id, status, ct)), ifMatchOnResource: true);
            group.MapPatch("", Update).RequireScope("deals:write").WithIdempotency().ExcludeFromDescription();
            group.MapPatch("{id}", Update).RequireScope("deals:write").WithIdempotency()
                .Operation<DealPatch, DealData>("updateDeal", "Update a deal's header", description: "Requires If-Match. Also served as `PATCH ?id={id}`.")
            .IfMatch();
            group.MapDelete("", Delete).RequireScope("deals:write").WithIdempotency().ExcludeFromDescription();
            group.MapDelete("{id}", Delete).RequireScope("deals:write").WithIdempotency()
                .Operation<DealData>("cancelDeal", "Cancel a deal (a cancelled deal is deleted)",
                    description: "Requires If-Match. Answers the cancelled deal, or {id, deal_id, deleted} when a cancelled deal was deleted. With `?action=remove_item&item_id=` removes a line item (removeDealItem). Also served as `DELETE ?id={id}`.")
            .IfMatch();
            group.MapDelete("{id}/items/{item_id}", (HttpContext http, IGrainFactory grains, string id, string item_id) =>
                    Delete(http, grains, id, "remove_item", item_id))
                .RequireScope("deals:write").WithIdempotency()
                .Operation<DealData>("removeDealItem", "Remove a line item", description: "Requires If-Match. Also served as `DELETE ?id={id}&action=remove_item&item_id={item_id}`.")
            .IfMatch();
        });
        app.MapApi("schema", group => group.MapGet("state-machine", DealQueries.StateMachine)
            .Operation<StateMachineData>("getDealStateMachine", "The deal state machine: states, transitions, conditions"));
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
                    : ApiResults.Ok(new DealDeleted(id!, id!, true));
            case "remove_item":
                var itemId = DealRequests.RequireItemId(item_id);
                return DealRequests.Ok(await DealRequests.WithCurrentOnStale(grain, () => grain.RemoveItem(itemId, expected, actor)));
            default:
                throw new ApiException(ApiError.BadRequest($"Unknown action '{action}' for DELETE; supported: remove_item", new { parameter = "action" }));
        }
    }
}
