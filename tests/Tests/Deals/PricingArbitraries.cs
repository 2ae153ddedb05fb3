using FsCheck;
using FsCheck.Fluent;
using Grains.Deals.Pricing;

namespace Tests.Deals;

/// <summary>Generators with realistic money: prices 0–1,000,000 with up to 4 decimals, quantities 1–1000.</summary>
public static class PricingArbitraries
{
    private static readonly string[] CurrencyCodes = ["USD", "EUR", "GBP", "AUD", "CHF", "JPY", "CLP", "KWD", "BHD"];
    private static readonly decimal[] PowersOfTen = [1m, 10m, 100m, 1_000m, 10_000m, 100_000m, 1_000_000m];

    public static Gen<string> Currency => Gen.Elements(CurrencyCodes);

    // whole + a fraction cut to 0–maxPlaces decimals, so both round and ragged values appear.
    private static Gen<decimal> Decimal(int maxWhole, int maxPlaces) =>
        from whole in Gen.Choose(0, maxWhole)
        from fraction in Gen.Choose(0, 999_999)
        from places in Gen.Choose(0, maxPlaces)
        select whole + decimal.Truncate(fraction / 1_000_000m * PowersOfTen[places]) / PowersOfTen[places];

    // Mostly everyday prices, sometimes up to the 1,000,000 ceiling.
    public static Gen<decimal> UnitPrice => Gen.Frequency(
        (3, Decimal(1_000, 4)),
        (1, Decimal(999_999, 4)),
        (1, Gen.Constant(1_000_000m)));

    public static Gen<int> Quantity => Gen.Frequency((3, Gen.Choose(1, 10)), (1, Gen.Choose(1, 1000)));

    public static Gen<PriceLine> Line(string itemId) =>
        from price in UnitPrice
        from quantity in Quantity
        select new PriceLine(itemId, price, quantity);

    public static Gen<PriceDiscount> Discount => Gen.Frequency(
        (2, Gen.Choose(0, 10_000).Select(bp => new PriceDiscount(DealPricer.Percentage, bp / 100m))),
        (1, Decimal(100, 4).Select(v => new PriceDiscount(DealPricer.Fixed, v))),
        (1, UnitPrice.Select(v => new PriceDiscount(DealPricer.Fixed, v))));

    public static Gen<DealInput> DealGen =>
        from currency in Currency
        from taxRate in Gen.Choose(0, 10_000).Select(r => r / 10_000m)
        from lineCount in Gen.Choose(0, 8)
        from lines in Gen.CollectToArray(Enumerable.Range(1, lineCount), i => Line($"item_{i}"))
        from discounts in Gen.Choose(0, 4).SelectMany(n => Gen.ArrayOf(Discount, n))
        from seed in Gen.Choose(0, int.MaxValue)
        select new DealInput(currency, taxRate, lines, discounts, seed);

    public static Gen<MoneyInput> MoneyGen =>
        from currency in Currency
        from magnitude in Decimal(1_000_000_000, 6)
        from negative in Gen.Elements(false, true)
        select new MoneyInput(negative ? -magnitude : magnitude, currency);

    // FsCheck.Xunit finds these by return type for the property parameters.
    public static Arbitrary<DealInput> Deals() => Arb.From(DealGen);

    public static Arbitrary<PriceLine> Lines() => Arb.From(Line("item_extra"));

    public static Arbitrary<MoneyInput> Money() => Arb.From(MoneyGen);
}
