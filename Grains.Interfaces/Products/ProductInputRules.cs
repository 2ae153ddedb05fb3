using Grains.Interfaces.Platform;

namespace Grains.Interfaces.Products;

/// <summary>
/// Product rules that span fields and need no other state. The product grain applies them to every write; the API calls
/// them only where it answers without the grain (<c>?validate_only=true</c>).
/// </summary>
public static class ProductInputRules
{
    public static void CheckBillingCycle(string? priceType, string? billingCycle)
    {
        if (priceType == "recurring" && string.IsNullOrEmpty(billingCycle))
        {
            throw DomainException.Invalid("billing_cycle", "required", "billing_cycle is required when price_type is recurring");
        }
    }
}
