using System.Collections.Frozen;

namespace Grains.Interfaces.Money;

/// <summary>ISO 4217 active currency codes and their minor-unit exponent (USD 2, JPY 0, KWD 3).</summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, int> MinorUnits = Build();

    public static bool IsKnown(string code) => MinorUnits.ContainsKey(code);

    /// <summary>Digits after the decimal point for amounts in this currency.</summary>
    public static int MinorUnitsOf(string code) =>
        MinorUnits.TryGetValue(code, out var digits) ? digits : throw new ArgumentException($"Unknown currency {code}", nameof(code));

    private static FrozenDictionary<string, int> Build()
    {
        var table = new Dictionary<string, int>(StringComparer.Ordinal);
        const string two = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWL";
        const string zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX VND VUV XAF XOF XPF";
        const string three = "BHD IQD JOD KWD LYD OMR TND";
        foreach (var code in two.Split(' ')) table[code] = 2;
        foreach (var code in zero.Split(' ')) table[code] = 0;
        foreach (var code in three.Split(' ')) table[code] = 3;
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
