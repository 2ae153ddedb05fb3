using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>
/// POST on deals: create (no <c>action</c>), and the document's actions (<c>?id=&amp;action=</c>) as an
/// action → handler map. Each handler reads its fields, calls one grain method and shapes the result;
/// the rules are the grain's. A new action is one <c>Add</c> line (with its scope when not <c>deals:write</c>).
/// </summary>
public static class DealActions
{
    public static readonly ActionMap<DealPostHandler> Map = new ActionMap<DealPostHandler>()
        .Add("add_item", OnDeal(AddItem), ActionDoc.Of<DealItemBody, DealData>("addDealItem", "Add a line item", description: "Requires If-Match."))
        .Add("update_item", OnDeal(UpdateItem), ActionDoc.Of<DealItemQuantityBody, DealData>("updateDealItem", "Change a line item's quantity",
            description: "Requires If-Match and the item_id query parameter."))
        .Add("apply_discount", OnDeal(ApplyDiscount), ActionDoc.Of<DealDiscountBody, DealData>("applyDealDiscount", "Apply a discount",
            description: "Requires If-Match."))
        .Add("transition", OnDeal(Transition), ActionDoc.Of<DealTransitionBody, DealData>("transitionDeal", "Move a deal to another status",
            description: "Requires If-Match. The target comes from the status query parameter or body; see GET /v1/schema/state-machine."))
        .Add("sign", OnDeal(Sign), ActionDoc.Of<DealSignBody, DealData>("signDeal", "Sign a deal"), scope: "deals:sign")
        .Add("unsign", OnDeal(Unsign), ActionDoc.Of<DealUnsignBody, DealData>("unsignDeal", "Withdraw a signature"), scope: "deals:sign")
        .Add("set-terms", OnDeal(SetTerms), ActionDoc.Of<DealTermsBody, DealData>("setDealTerms", "Set a deal's terms"))
        .Add("partial_accept", OnDeal(PartialAccept),
            ActionDoc.Of<DealPartialAcceptBody, DealPartialAcceptData>("partiallyAcceptDeal", "Accept some line items, decline the rest"))
        .Add("record-outcome", OnDeal(RecordOutcome), ActionDoc.Of<DealOutcomeBody, DealData>("recordDealOutcome", "Record why a deal was won or lost"))
        .Add("create-configured", CreateConfiguredAction.Handle,
            ActionDoc.Of<DealConfiguredBody, DealConfiguredData>("createConfiguredDeal", "Create a deal with customer, items, discounts and terms at once",
                201, "Answers 200 with dry_run.", onResource: false), scope: "agent:execute")
        .AddEscrowActions();

    public static Task<IResult> Post(HttpContext http, IGrainFactory grains, string? id, string? action, string? item_id, string? status,
        CancellationToken ct)
    {
        var post = new DealPost(http, grains, id, item_id, status, ct);
        return string.IsNullOrEmpty(action) ? Create(post) : Map.Find(action)(post);
    }

    /// <summary>An action on one existing deal: the grain, actor, If-Match and body are prepared before the handler runs.</summary>
    public static DealPostHandler OnDeal(Func<DealAction, Task<IResult>> handler) =>
        async post => await handler(await DealAction.PrepareAsync(post));

    private static async Task<IResult> Create(DealPost post)
    {
        var validateOnly = ResourceRequests.ValidateOnly(post.Http.Request);
        var fields = DealContract.ReadCreate(await RequestBody.ReadObjectAsync(post.Http.Request, post.Ct));
        if (validateOnly)
        {
            DealInputRules.CheckBillingCycle(fields.DealType, fields.BillingCycle);
            return ApiResults.Ok(ResourceRequests.ValidationPassed);
        }
        var deal = await DealRequests.NewDeal(post.Http, post.Grains).Create(fields, DealRequests.Actor(post.Http));
        return ApiResults.Created(DealContract.Single(deal), deal.Version);
    }

    private static async Task<IResult> AddItem(DealAction a)
    {
        var item = DealContract.ReadItem(a.Fields);
        a.Fields.ThrowIfInvalid();
        return DealRequests.Ok(await a.Versioned((grain, expected, actor) => grain.AddItem(item, expected, actor)));
    }

    private static async Task<IResult> UpdateItem(DealAction a)
    {
        var itemId = DealRequests.RequireItemId(a.Post.ItemId);
        var quantity = a.Fields.Integer("quantity", required: true, min: 1, max: 1_000_000);
        a.Fields.ThrowIfInvalid();
        return DealRequests.Ok(await a.Versioned((grain, expected, actor) => grain.UpdateItem(itemId, quantity!.Value, expected, actor)));
    }

    private static async Task<IResult> ApplyDiscount(DealAction a)
    {
        var discount = DealContract.ReadDiscount(a.Fields);
        a.Fields.ThrowIfInvalid();
        return DealRequests.Ok(await a.Versioned((grain, expected, actor) => grain.ApplyDiscount(discount, expected, actor)));
    }

    private static async Task<IResult> Transition(DealAction a)
    {
        var target = a.Post.Status ?? a.Fields.String("status", maxLength: 32);
        if (string.IsNullOrEmpty(target) || !DealStateMachine.Targets.Contains(target))
        {
            throw new ApiException(ApiError.BadRequest(
                $"status must be one of: {string.Join(", ", DealStateMachine.Targets)}", new { parameter = "status" }));
        }
        return DealRequests.Ok(await a.Versioned((grain, expected, actor) => grain.Transition(target, expected, actor)));
    }

    private static async Task<IResult> Sign(DealAction a)
    {
        var signerType = a.Fields.Enum("signer_type", DealKeys.SignerTypes) ?? "api_key";
        var signerId = a.Fields.String("signer_id", maxLength: 128) ?? a.Http.Caller().KeyId;
        var signerCustomerId = a.Fields.String("signer_customer_id", maxLength: 64);
        var consent = a.Fields.Boolean("consent_to_sign") ?? false;
        a.Fields.ThrowIfInvalid();
        return DealRequests.Ok(await a.Grain.Sign(new DealSignRequest(signerType, signerId, signerCustomerId, consent), a.Actor));
    }

    private static async Task<IResult> Unsign(DealAction a)
    {
        var reason = a.Fields.String("reason", maxLength: 1000);
        a.Fields.ThrowIfInvalid();
        return DealRequests.Ok(await a.Grain.Unsign(reason, a.Actor));
    }

    private static async Task<IResult> SetTerms(DealAction a) =>
        DealRequests.Ok(await a.Grain.SetTerms(DealContract.ReadTerms(a.Body), a.Actor));

    private static async Task<IResult> PartialAccept(DealAction a)
    {
        var accepted = a.Fields.StringList("accepted_items", 1000, 64);
        var rejected = a.Fields.StringList("rejected_items", 1000, 64) ?? [];
        var createDeclined = a.Fields.Boolean("create_declined_deal") ?? false;
        if (accepted is null || accepted.Count == 0)
        {
            a.Fields.Fail("accepted_items", "required", "accepted_items must name at least one line item");
        }
        a.Fields.ThrowIfInvalid();
        var result = await a.Grain.PartialAccept(accepted!, rejected, createDeclined, a.Actor);
        var data = new DealPartialAcceptData(DealContract.Resource(result.Deal),
            result.DeclinedDeal is { } declined ? DealContract.Resource(declined) : null);
        return ApiResults.Ok(data, result.Deal.Version);
    }

    private static async Task<IResult> RecordOutcome(DealAction a)
    {
        var reason = a.Fields.String("reason", required: true, maxLength: 64);
        var notes = a.Fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        var competitor = a.Fields.String("competitor_name", maxLength: 255);
        a.Fields.ThrowIfInvalid();
        return DealRequests.Ok(await a.Grain.RecordOutcome(reason!, notes, competitor, a.Actor));
    }
}
