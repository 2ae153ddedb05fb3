using System.Text.Json;
using ApiHost.Api;
using Grains.Interfaces.Customers;
using Grains.Interfaces.Deals;

namespace ApiHost.Deals;

/// <summary>
/// <c>action=create-configured</c>: customer (existing, or inline matched by email / created), items, discounts and terms
/// in one deal write; <c>dry_run</c> validates and prices without creating anything. The body is read and checked here;
/// the workflow is the deal grain's (<c>DealGrain.Configured.cs</c>).
/// </summary>
public static class CreateConfiguredAction
{
    public static async Task<IResult> Handle(DealPost post)
    {
        var body = await RequestBody.ReadObjectAsync(post.Http.Request, post.Ct);
        var (configuration, dryRun) = Read(body);
        var deal = await DealRequests.NewDeal(post.Http, post.Grains).CreateConfigured(configuration, dryRun, DealRequests.Actor(post.Http));
        var data = new DealConfiguredData(DealContract.Resource(deal), dryRun);
        return dryRun ? ApiResults.Ok(data) : ApiResults.Created(data, deal.Version);
    }

    public static (DealConfiguration Configuration, bool DryRun) Read(JsonElement body)
    {
        var fields = new FieldReader(body);
        var dryRun = fields.Boolean("dry_run") ?? false;
        var items = fields.Objects("items", item => DealContract.ReadItem(item));
        if (items.Count == 0)
        {
            fields.Fail("items", "required", "items must contain at least one line item (saved configurations are not available yet)");
        }
        var discounts = fields.Objects("discounts", DealContract.ReadDiscount);
        var terms = body.TryGetProperty("terms", out var termsElement) && termsElement.ValueKind != JsonValueKind.Null
            ? DealContract.ReadTerms(body)
            : null;
        var customer = fields.Object("customer", ReadCustomer);
        var header = DealContract.ReadHeader(fields, creating: true, defaultTitle: DefaultTitle(items));
        if (customer is not null && header.CustomerId is not null)
        {
            fields.Fail("customer", "conflict", "Give either customer_id or customer, not both");
        }
        fields.ThrowIfInvalid();
        return (new DealConfiguration(header, items, discounts, terms, customer), dryRun);
    }

    private static CustomerFields ReadCustomer(FieldReader customer) => new()
    {
        Name = customer.String("name", required: true, maxLength: 255),
        Email = customer.Email("email", required: true),
        Phone = customer.Phone("phone"),
        Company = customer.String("company", maxLength: 255),
    };

    private static string DefaultTitle(IReadOnlyList<DealItemInput> items) =>
        items.FirstOrDefault()?.Name is { Length: > 0 } first
            ? $"{first}{(items.Count > 1 ? $" and {items.Count - 1} more" : "")}"
            : "Configured deal";
}
