using Grains.Interfaces.Platform;

namespace Grains.Interfaces.Deals;

/// <summary>
/// Rules on deal input that need no other state. The deal grain applies them on every write; the API calls them only where
/// it answers without the grain (<c>?validate_only=true</c>). A refusal is <c>validation_error.invalid_fields</c>.
/// </summary>
public static class DealInputRules
{
    public const decimal MaxPercentage = 100m;

    /// <summary>A recurring deal needs a billing cycle (the document's deal_type/billing_cycle rule).</summary>
    public static void CheckBillingCycle(string dealType, string? billingCycle)
    {
        if (dealType == DealKeys.Recurring && billingCycle is null)
        {
            throw DomainException.Invalid("billing_cycle", "required", "billing_cycle is required when deal_type is recurring");
        }
    }

    /// <summary>A percentage discount is at most 100 (<paramref name="field"/>: where the value was given).</summary>
    public static void CheckDiscount(DealDiscountInput discount, string field = "value")
    {
        if (discount.Type == DealKeys.PercentageDiscount && discount.Value > MaxPercentage)
        {
            throw DomainException.Invalid(field, "out_of_range", "A percentage discount is at most 100");
        }
    }
}
