using Grains.Deals.Pricing;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Platform;
using Grains.Platform;

namespace Grains.Deals;

/// <summary>Small rules the deal grain applies on several paths.</summary>
public static class DealRules
{
    public static DomainException AlreadyClosed() =>
        DomainException.Conflict("conflict.deal_already_closed", "The deal is closed; closed deals cannot be changed");

    /// <summary>A human signer (user or customer) must consent to sign electronically; agents and keys sign by API.</summary>
    public static void CheckConsent(DealSignRequest request)
    {
        if (request.SignerType is "user" or "customer" && !request.ConsentToSign)
        {
            throw DomainException.Invalid("consent_to_sign", "required", "consent_to_sign must be true for a human signer (user or customer)");
        }
    }

    public static DealItem NewItem(DealItemInput input) => new(ResourceIds.New(DealKeys.ItemPrefix), input.ProductId, input.Name,
        input.Description, input.UnitPrice, input.Quantity, 0, input.PriceType, input.BillingCycle, input.ConfigurationJson);

    public static DealDiscount NewDiscount(DealDiscountInput input, DateTimeOffset at) =>
        new(ResourceIds.New(DealKeys.DiscountPrefix), input.Type, input.Value, input.Code, input.Description, at);


    /// <summary>Names of the header fields that differ (for <c>deal.updated</c> and the audit entry).</summary>
    public static IReadOnlyList<string> ChangedFields(DealView before, DealView after) => new ChangedFields()
        .Compare("title", before.Title, after.Title)
        .Compare("customer_id", before.CustomerId, after.CustomerId)
        .Compare("description", before.Description, after.Description)
        .Compare("currency", before.Currency, after.Currency)
        .Compare("tax_rate", before.TaxRate, after.TaxRate)
        .Compare("deal_type", before.DealType, after.DealType)
        .Compare("billing_cycle", before.BillingCycle, after.BillingCycle)
        .Compare("deposit_required", before.DepositRequired, after.DepositRequired)
        .Compare("notes", before.Notes, after.Notes)
        .Compare("metadata", before.MetadataJson, after.MetadataJson)
        .Names;

    /// <summary>Which of <paramref name="conditions"/> the deal does not meet.</summary>
    public static IReadOnlyList<string> Unmet(DealView deal, IEnumerable<string> conditions, DealEscrow? escrow = null) =>
        [.. conditions.Where(condition => !(condition switch
        {
            DealConditions.HasCustomer => deal.CustomerId is not null,
            DealConditions.HasLineItems => deal.Items.Count > 0,
            DealConditions.FullySigned => DealSigning.IsFullySigned(deal),
            DealConditions.Unsigned => deal.Signatures.Count == 0,
            DealConditions.NoHeldEscrow => escrow is not { IsHeld: true },
            DealConditions.EscrowHeld => escrow is { IsHeld: true },
            DealConditions.EscrowConditionsMet => escrow is { Releasable: true },
            _ => false,
        }))];

    public const string Seller = DealSigning.Seller;
    public const string Buyer = DealSigning.Buyer;
}
