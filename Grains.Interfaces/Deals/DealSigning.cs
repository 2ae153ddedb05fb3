namespace Grains.Interfaces.Deals;

/// <summary>The sides that sign a deal, and when a deal counts as signed: both of them have.</summary>
public static class DealSigning
{
    public const string Seller = "seller";
    public const string Buyer = "buyer";

    /// <summary>The document's export filter <c>status=signed</c>: deals carrying both signatures.</summary>
    public const string SignedFilter = "signed";

    /// <summary>The <c>fully_signed</c> condition: seller and buyer have both signed.</summary>
    public static bool IsFullySigned(DealView deal) =>
        deal.Signatures.Any(s => s.Side == Seller) && deal.Signatures.Any(s => s.Side == Buyer);
}
