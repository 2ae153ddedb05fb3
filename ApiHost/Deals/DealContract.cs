using System.Text.Json;
using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;

namespace ApiHost.Deals;

/// <summary>The wire shape of deals (Salesbooth document §Deals) and reading their request bodies.</summary>
public static class DealContract
{
    private static readonly string[] PatchClearable = ["customer_id", "description", "billing_cycle", "deposit_required", "notes", "metadata"];

    public static DealFields ReadCreate(JsonElement body)
    {
        var fields = new FieldReader(body);
        var result = ReadHeader(fields, creating: true);
        if (fields.Has("status") && fields.Enum("status", [DealStatuses.Draft]) is null && fields.IsValid)
        {
            fields.Fail("status", "invalid", "A deal starts as draft; move it on with action=transition");
        }
        fields.ThrowIfInvalid();
        return result;
    }

    /// <summary>The header of a create-configured body (no title there: it defaults from the customer or items).</summary>
    public static DealFields ReadHeader(FieldReader fields, bool creating, string? defaultTitle = null)
    {
        var title = fields.String("title", required: creating && defaultTitle is null, maxLength: 255) ?? defaultTitle ?? "";
        var customerId = fields.String("customer_id", maxLength: 64);
        var description = fields.String("description", maxLength: FieldReader.DescriptionMaxLength);
        var currency = fields.Currency("currency") ?? DealKeys.DefaultCurrency;
        var taxRate = fields.TaxRate("tax_rate") ?? 0m;
        var dealType = fields.Enum("deal_type", DealKeys.DealTypes) ?? DealKeys.OneTime;
        var billingCycle = fields.Enum("billing_cycle", DealKeys.BillingCycles);
        var deposit = fields.Decimal("deposit_required", min: 0);
        var notes = fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        var metadata = fields.Metadata("metadata");
        return new DealFields(title, customerId, description, currency, taxRate, dealType, billingCycle, deposit, notes, metadata);
    }

    public static DealChanges ReadUpdate(JsonElement body)
    {
        var fields = new FieldReader(body);
        if (fields.Has("status"))
        {
            fields.Fail("status", "not_patchable",
                "Deal status cannot be changed via PATCH. Use POST /deals?id={id}&action=transition&status={new_status} instead.");
        }
        var changes = new DealChanges(
            Title: fields.String("title", maxLength: 255),
            CustomerId: fields.String("customer_id", maxLength: 64),
            Description: fields.String("description", maxLength: FieldReader.DescriptionMaxLength),
            Currency: fields.Currency("currency"),
            TaxRate: fields.TaxRate("tax_rate"),
            DealType: fields.Enum("deal_type", DealKeys.DealTypes),
            BillingCycle: fields.Enum("billing_cycle", DealKeys.BillingCycles),
            DepositRequired: fields.Decimal("deposit_required", min: 0),
            Notes: fields.String("notes", maxLength: FieldReader.DescriptionMaxLength),
            MetadataJson: fields.Metadata("metadata"),
            Cleared: ResourceRequests.ClearedFields(body, PatchClearable));
        fields.ThrowIfInvalid();
        return changes;
    }

    public static DealItemInput ReadItem(FieldReader fields, string prefix = "")
    {
        var productId = fields.String("product_id", required: true, maxLength: 64);
        var name = fields.String("name", required: true, maxLength: 255);
        var unitPrice = fields.Decimal("unit_price", required: true, min: 0, max: 1_000_000_000m);
        var quantity = fields.Integer("quantity", min: 1, max: 1_000_000) ?? 1;
        var description = fields.String("description", maxLength: FieldReader.DescriptionMaxLength);
        var configuration = fields.Metadata("configuration");
        var priceType = fields.Enum("price_type", DealKeys.PriceTypes);
        var billingCycle = fields.Enum("billing_cycle", DealKeys.BillingCycles);
        return new DealItemInput(productId ?? "", name ?? "", unitPrice ?? 0, quantity, description, configuration, priceType, billingCycle);
    }

    public static DealDiscountInput ReadDiscount(FieldReader fields)
    {
        var type = fields.Enum("type", DealKeys.DiscountTypes, required: true);
        var value = fields.Decimal("value", required: true, min: 0, max: 1_000_000_000m);
        var code = fields.String("code", maxLength: 64);
        var description = fields.String("description", maxLength: 255);
        return new DealDiscountInput(type ?? "", value ?? 0, code, description);
    }

    /// <summary>Terms must be an object with <c>terms_schema_version</c> and <c>payment_terms</c>.</summary>
    public static string ReadTerms(JsonElement body, string name = "terms")
    {
        var fields = new FieldReader(body);
        if (!body.TryGetProperty(name, out var terms) || terms.ValueKind == JsonValueKind.Null)
        {
            fields.Fail(name, "required", $"{name} is required");
        }
        else if (terms.ValueKind != JsonValueKind.Object)
        {
            fields.Fail(name, "invalid_type", $"{name} must be an object");
        }
        else
        {
            // The one terms definition, shared with negotiation rounds and published at /v1/schema/deal-terms.
            foreach (var error in DealTermsSchema.Validate(terms, TermsUse.SetTerms, $"{name}."))
            {
                fields.Fail(error.Field, error.Code, error.Message);
            }
        }
        fields.ThrowIfInvalid();
        return terms.GetRawText();
    }

    public static MoneyAmount Money(decimal amount, string currency) =>
        new(MoneyFormat.Amount(amount, currency), currency, MoneyFormat.Formatted(amount, currency));

    /// <summary>The deal object; the shape's <c>include</c>/<c>fields</c> decide line items, discounts and pricing.</summary>
    public static DealResource Resource(DealView d, ListShape? shape = null)
    {
        shape ??= ListShape.Full;
        var withItems = shape.Wants("line_items", byDefault: true);
        return new DealResource(d.Id, d.Id, d.Version, d.CustomerId, d.Title, d.Description, d.Status, d.DealType, d.BillingCycle,
            d.Currency, TaxRates.Format(d.TaxRate), d.DepositRequired is { } deposit ? Money(deposit, d.Currency) : null, d.Notes,
            Wire.Json(d.MetadataJson), MoneyFormat.Amount(d.Pricing.Subtotal, d.Currency), MoneyFormat.Amount(d.Pricing.Total, d.Currency),
            withItems ? [.. d.Items.Select(i => Item(d, i))] : null,
            withItems ? [.. d.Discounts.Select(x => new DealDiscountApplied(x.Id, x.Type, x.Value, x.Code, x.Description, x.AppliedAt))] : null,
            shape.Wants("pricing", byDefault: true) ? Pricing(d) : null,
            Wire.Json(d.TermsJson), d.TermsVersion, [.. d.Signatures.Select(Signature)],
            d.Outcome is { } o ? new DealOutcomeRecord(o.Reason, o.Notes, o.CompetitorName, o.RecordedAt) : null,
            d.DeclinedFromDealId, d.CreatedAt, d.UpdatedAt, d.ClosedAt);
    }

    public static JsonObject ToJson(DealView d, ListShape? shape = null) => (shape ?? ListShape.Full).Apply(Wire.ToObject(Resource(d, shape)));

    public static JsonObject Single(DealView deal, ListShape? shape = null) => new() { ["deal"] = ToJson(deal, shape) };

    public static DealPricingSummary Pricing(DealView d) => new(d.Currency, TaxRates.Format(d.TaxRate), Money(d.Pricing.Subtotal, d.Currency),
        Money(d.Pricing.DiscountTotal, d.Currency), Money(d.Pricing.Tax, d.Currency), Money(d.Pricing.Total, d.Currency));

    private static DealLineItem Item(DealView d, DealItem i) => new(i.Id, i.Id, d.Id, i.ProductId, i.Name, i.Description, i.Quantity,
        MoneyFormat.Amount(i.UnitPrice, d.Currency), MoneyFormat.Amount(i.LineTotal, d.Currency), i.PriceType, i.BillingCycle,
        Wire.Json(i.ConfigurationJson));

    public static DealSignatureRecord Signature(DealSignature s) => new(s.Id, s.SignerType, s.SignerId, s.SignerCustomerId, s.Side,
        "click-to-sign", s.Algorithm, s.DealHash, s.SignatureBase64, s.KeyId, s.ConsentToSign, s.IsAgentSigner, s.SignedAt);
}
