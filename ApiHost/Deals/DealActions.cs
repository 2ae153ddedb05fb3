using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Auth;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>POST on deals: create, and the actions of the document (<c>?id=&amp;action=</c>).</summary>
public static class DealActions
{
    private static readonly string[] Actions =
    [
        "add_item", "update_item", "apply_discount", "transition", "sign", "unsign", "set-terms", "partial_accept",
        "record-outcome", "create-configured",
    ];

    public static async Task<IResult> Post(HttpContext http, IGrainFactory grains, string? id, string? action, string? item_id, string? status,
        CancellationToken ct)
    {
        if (string.IsNullOrEmpty(action))
        {
            return await Create(http, grains, ct);
        }
        if (action == "create-configured")
        {
            return await CreateConfigured(http, grains, ct);
        }
        if (DealEscrowActions.Handles(action))
        {
            return await DealEscrowActions.Post(http, grains, id, action, ct);
        }
        if (!Actions.Contains(action))
        {
            throw new ApiException(ApiError.BadRequest($"Unknown action '{action}'; supported: {string.Join(", ", Actions)}", new { parameter = "action" }));
        }
        var grain = DealEndpoints.Deal(http, grains, id);
        var actor = DealEndpoints.Actor(http);
        var expected = Preconditions.OptionalIfMatch(http.Request);
        var body = await RequestBody.ReadOptionalObjectAsync(http.Request, ct);
        var fields = new FieldReader(body);
        switch (action)
        {
            case "add_item":
            {
                var item = DealContract.ReadItem(fields);
                fields.ThrowIfInvalid();
                return Deal(await Stale(grain, () => grain.AddItem(item, expected, actor)));
            }
            case "update_item":
            {
                var itemId = DealEndpoints.RequireItemId(item_id);
                var quantity = fields.Integer("quantity", required: true, min: 1, max: 1_000_000);
                fields.ThrowIfInvalid();
                return Deal(await Stale(grain, () => grain.UpdateItem(itemId, quantity!.Value, expected, actor)));
            }
            case "apply_discount":
            {
                var discount = DealContract.ReadDiscount(fields);
                fields.ThrowIfInvalid();
                return Deal(await Stale(grain, () => grain.ApplyDiscount(discount, expected, actor)));
            }
            case "transition":
            {
                var target = status ?? fields.String("status", maxLength: 32);
                if (string.IsNullOrEmpty(target) || !DealStateMachine.Targets.Contains(target))
                {
                    throw new ApiException(ApiError.BadRequest(
                        $"status must be one of: {string.Join(", ", DealStateMachine.Targets)}", new { parameter = "status" }));
                }
                return Deal(await Stale(grain, () => grain.Transition(target, expected, actor)));
            }
            case "sign":
            {
                var caller = http.Caller();
                var signerType = fields.Enum("signer_type", DealKeys.SignerTypes) ?? "api_key";
                var signerId = fields.String("signer_id", maxLength: 128) ?? caller.KeyId;
                var signerCustomerId = fields.String("signer_customer_id", maxLength: 64);
                var consent = fields.Boolean("consent_to_sign") ?? false;
                if (signerType is "user" or "customer" && !consent && fields.IsValid)
                {
                    fields.Fail("consent_to_sign", "required", "consent_to_sign must be true for a human signer (user or customer)");
                }
                fields.ThrowIfInvalid();
                return Deal(await grain.Sign(new DealSignRequest(signerType, signerId, signerCustomerId, consent), actor));
            }
            case "unsign":
            {
                var reason = fields.String("reason", maxLength: 1000);
                fields.ThrowIfInvalid();
                return Deal(await grain.Unsign(reason, actor));
            }
            case "set-terms":
                return Deal(await grain.SetTerms(DealContract.ReadTerms(body), actor));
            case "partial_accept":
            {
                var accepted = fields.StringList("accepted_items", 1000, 64);
                var rejected = fields.StringList("rejected_items", 1000, 64) ?? [];
                var createDeclined = fields.Boolean("create_declined_deal") ?? false;
                if (accepted is null || accepted.Count == 0)
                {
                    fields.Fail("accepted_items", "required", "accepted_items must name at least one line item");
                }
                fields.ThrowIfInvalid();
                var result = await grain.PartialAccept(accepted!, rejected, createDeclined, actor);
                var data = DealContract.Single(result.Deal);
                data["declined_deal"] = result.DeclinedDeal is { } declined ? DealContract.ToJson(declined) : null;
                return ApiResults.Ok(data, result.Deal.Version);
            }
            default: // record-outcome
            {
                var reason = fields.String("reason", required: true, maxLength: 64);
                var notes = fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
                var competitor = fields.String("competitor_name", maxLength: 255);
                fields.ThrowIfInvalid();
                return Deal(await grain.RecordOutcome(reason!, notes, competitor, actor));
            }
        }
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var validateOnly = ResourceRequests.ValidateOnly(http.Request);
        var fields = DealContract.ReadCreate(await RequestBody.ReadObjectAsync(http.Request, ct));
        if (validateOnly)
        {
            return ApiResults.Ok(ResourceRequests.ValidationPassed);
        }
        var grain = grains.GetGrain<IDealGrain>(DealKeys.Grain(http.Caller().Partition, DealEndpoints.NewDealId()));
        var deal = await grain.Create(fields, DealEndpoints.Actor(http));
        return ApiResults.Created(DealContract.Single(deal), deal.Version);
    }

    /// <summary>
    /// Customer (existing, or inline matched by email / created), items, discounts and terms in one deal write;
    /// <c>dry_run</c> validates and prices without creating anything. Everything is validated before the first write.
    /// </summary>
    private static async Task<IResult> CreateConfigured(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var body = await RequestBody.ReadObjectAsync(http.Request, ct);
        var fields = new FieldReader(body);
        var dryRun = fields.Boolean("dry_run") ?? false;
        var items = new List<DealItemInput>();
        if (body.TryGetProperty("items", out var itemArray) && itemArray.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var element in itemArray.EnumerateArray())
            {
                var itemFields = new FieldReader(element.ValueKind == JsonValueKind.Object ? element : JsonDocument.Parse("{}").RootElement);
                var item = DealContract.ReadItem(itemFields);
                foreach (var (name, error) in itemFields.Errors)
                {
                    fields.Fail($"items[{index}].{name}", error.Code, error.Message);
                }
                items.Add(item);
                index++;
            }
        }
        if (items.Count == 0)
        {
            fields.Fail("items", "required", "items must contain at least one line item (saved configurations are not available yet)");
        }
        var discounts = new List<DealDiscountInput>();
        if (body.TryGetProperty("discounts", out var discountArray) && discountArray.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var element in discountArray.EnumerateArray())
            {
                var discountFields = new FieldReader(element.ValueKind == JsonValueKind.Object ? element : JsonDocument.Parse("{}").RootElement);
                discounts.Add(DealContract.ReadDiscount(discountFields));
                foreach (var (name, error) in discountFields.Errors)
                {
                    fields.Fail($"discounts[{index}].{name}", error.Code, error.Message);
                }
                index++;
            }
        }
        string? terms = body.TryGetProperty("terms", out var termsElement) && termsElement.ValueKind != JsonValueKind.Null
            ? DealContract.ReadTerms(body)
            : null;
        CustomerFields? inlineCustomer = null;
        if (body.TryGetProperty("customer", out var customerElement) && customerElement.ValueKind == JsonValueKind.Object)
        {
            var customerFields = new FieldReader(customerElement);
            var name = customerFields.String("name", required: true, maxLength: 255);
            var email = customerFields.Email("email", required: true);
            var phone = customerFields.Phone("phone");
            var company = customerFields.String("company", maxLength: 255);
            foreach (var (field, error) in customerFields.Errors)
            {
                fields.Fail($"customer.{field}", error.Code, error.Message);
            }
            inlineCustomer = new CustomerFields { Name = name, Email = email, Phone = phone, Company = company };
        }
        var header = DealContract.ReadHeader(fields, creating: true, defaultTitle: items.FirstOrDefault()?.Name is { Length: > 0 } first
            ? $"{first}{(items.Count > 1 ? $" and {items.Count - 1} more" : "")}"
            : "Configured deal");
        if (inlineCustomer is not null && header.CustomerId is not null)
        {
            fields.Fail("customer", "conflict", "Give either customer_id or customer, not both");
        }
        fields.ThrowIfInvalid();

        var partition = http.Caller().Partition;
        var grain = grains.GetGrain<IDealGrain>(DealKeys.Grain(partition, DealEndpoints.NewDealId()));
        var customerId = header.CustomerId;
        if (inlineCustomer is not null)
        {
            // Items, discounts and terms are checked before the customer is created, so a refusal leaves nothing behind.
            await grain.CreateConfigured(header, items, discounts, terms, dryRun: true, DealEndpoints.Actor(http));
            customerId = await CustomerFor(grains, partition, inlineCustomer, dryRun, ct);
        }
        var deal = await grain.CreateConfigured(header with { CustomerId = customerId }, items, discounts, terms, dryRun, DealEndpoints.Actor(http));
        var data = DealContract.Single(deal);
        data["dry_run"] = dryRun;
        return dryRun ? ApiResults.Ok(data) : ApiResults.Created(data, deal.Version);
    }

    /// <summary>The tenant's customer with this email, created when there is none (a dry run creates nothing).</summary>
    private static async Task<string?> CustomerFor(IGrainFactory grains, string partition, CustomerFields fields, bool dryRun, CancellationToken ct)
    {
        var existing = await grains.GetGrain<ICustomerDirectoryGrain>(partition).FindByEmail(fields.Email!, ct);
        if (existing is not null || dryRun)
        {
            return existing;
        }
        var id = Grains.Platform.ResourceIds.New(CustomerKeys.IdPrefix);
        var created = await grains.GetGrain<ICustomerGrain>(CustomerKeys.Grain(partition, id)).Create(fields);
        return created.Id;
    }

    private static IResult Deal(DealView deal) =>
        ApiResults.Ok(DealContract.Single(deal), deal.Version);

    private static Task<DealView> Stale(IDealGrain grain, Func<Task<DealView>> write) =>
        ResourceRequests.WithCurrentOnStale(write, () => DealEndpoints.Current(grain));


}
