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

    public static JsonObject Money(decimal amount, string currency) => new()
    {
        ["amount"] = MoneyFormat.Amount(amount, currency),
        ["currency"] = currency,
        ["formatted"] = MoneyFormat.Formatted(amount, currency),
    };

    public static JsonObject ToJson(DealView d, ListShape? shape = null)
    {
        shape ??= ListShape.Full;
        var json = new JsonObject
        {
            ["id"] = d.Id,
            ["deal_id"] = d.Id,
            ["version"] = d.Version,
            ["customer_id"] = d.CustomerId,
            ["title"] = d.Title,
            ["description"] = d.Description,
            ["status"] = d.Status,
            ["deal_type"] = d.DealType,
            ["billing_cycle"] = d.BillingCycle,
            ["currency"] = d.Currency,
            ["tax_rate"] = TaxRates.Format(d.TaxRate),
            ["deposit_required"] = d.DepositRequired is { } deposit ? Money(deposit, d.Currency) : null,
            ["notes"] = d.Notes,
            ["metadata"] = d.MetadataJson is null ? null : JsonNode.Parse(d.MetadataJson),
            ["subtotal"] = MoneyFormat.Amount(d.Pricing.Subtotal, d.Currency),
            ["total"] = MoneyFormat.Amount(d.Pricing.Total, d.Currency),
        };
        if (shape.Wants("line_items", byDefault: true))
        {
            json["line_items"] = new JsonArray([.. d.Items.Select(i => (JsonNode)Item(d, i))]);
            json["discounts"] = new JsonArray([.. d.Discounts.Select(x => (JsonNode)Discount(d, x))]);
        }
        if (shape.Wants("pricing", byDefault: true))
        {
            json["pricing"] = Pricing(d);
        }
        json["terms"] = d.TermsJson is null ? null : JsonNode.Parse(d.TermsJson);
        json["terms_version"] = d.TermsVersion;
        json["signatures"] = new JsonArray([.. d.Signatures.Select(s => (JsonNode)Signature(s))]);
        json["outcome"] = d.Outcome is { } o
            ? new JsonObject { ["reason"] = o.Reason, ["notes"] = o.Notes, ["competitor_name"] = o.CompetitorName, ["recorded_at"] = o.RecordedAt }
            : null;
        json["declined_from_deal_id"] = d.DeclinedFromDealId;
        json["created_at"] = d.CreatedAt;
        json["updated_at"] = d.UpdatedAt;
        json["closed_at"] = d.ClosedAt;
        return shape.Apply(json);
    }

    public static JsonObject Single(DealView deal, ListShape? shape = null) => new() { ["deal"] = ToJson(deal, shape) };

    public static JsonObject Pricing(DealView d) => new()
    {
        ["currency"] = d.Currency,
        ["tax_rate"] = TaxRates.Format(d.TaxRate),
        ["subtotal"] = Money(d.Pricing.Subtotal, d.Currency),
        ["discount_total"] = Money(d.Pricing.DiscountTotal, d.Currency),
        ["tax"] = Money(d.Pricing.Tax, d.Currency),
        ["total"] = Money(d.Pricing.Total, d.Currency),
    };

    private static JsonObject Item(DealView d, DealItem i) => new()
    {
        ["id"] = i.Id,
        ["item_id"] = i.Id,
        ["deal_id"] = d.Id,
        ["product_id"] = i.ProductId,
        ["name"] = i.Name,
        ["description"] = i.Description,
        ["quantity"] = i.Quantity,
        ["unit_price"] = MoneyFormat.Amount(i.UnitPrice, d.Currency),
        ["line_total"] = MoneyFormat.Amount(i.LineTotal, d.Currency),
        ["price_type"] = i.PriceType,
        ["billing_cycle"] = i.BillingCycle,
        ["configuration"] = i.ConfigurationJson is null ? null : JsonNode.Parse(i.ConfigurationJson),
    };

    private static JsonObject Discount(DealView d, DealDiscount x) => new()
    {
        ["id"] = x.Id,
        ["type"] = x.Type,
        ["value"] = x.Value,
        ["code"] = x.Code,
        ["description"] = x.Description,
        ["applied_at"] = x.AppliedAt,
    };

    public static JsonObject Signature(DealSignature s) => new()
    {
        ["signature_id"] = s.Id,
        ["signer_type"] = s.SignerType,
        ["signer_id"] = s.SignerId,
        ["signer_customer_id"] = s.SignerCustomerId,
        ["side"] = s.Side,
        ["signature_method"] = "click-to-sign",
        ["signature_algorithm"] = s.Algorithm,
        ["signature_hash"] = s.DealHash,
        ["signature"] = s.SignatureBase64,
        ["key_id"] = s.KeyId,
        ["consent_to_sign"] = s.ConsentToSign,
        ["is_agent_signer"] = s.IsAgentSigner,
        ["signed_at"] = s.SignedAt,
    };
}
