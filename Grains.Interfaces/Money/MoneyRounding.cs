namespace Grains.Interfaces.Money;

/// <summary>The one rounding rule for money: half away from zero, to the currency's ISO 4217 minor unit.</summary>
public static class MoneyRounding
{
    /// <summary>Digits after the decimal point for this currency; an unknown code is an <see cref="ArgumentException"/>.</summary>
    public static int Digits(string currency)
    {
        if (string.IsNullOrEmpty(currency) || !Currencies.IsKnown(currency))
        {
            throw new ArgumentException($"Unknown currency '{currency}'.", nameof(currency));
        }
        return Currencies.MinorUnitsOf(currency);
    }

    /// <summary>Rounds half away from zero to the currency's minor unit (USD 2, JPY 0, KWD 3).</summary>
    public static decimal Round(decimal amount, string currency) => Round(amount, Digits(currency));

    public static decimal Round(decimal amount, int digits)
    {
        var rounded = decimal.Round(amount, digits, MidpointRounding.AwayFromZero);
        // Adding a zero with the minor-unit scale gives every figure exactly that many digits ("99.00", not "99"),
        // and folds a rounded negative zero into plain zero.
        return rounded == 0m ? new decimal(0, 0, 0, false, (byte)digits) : rounded + new decimal(0, 0, 0, false, (byte)digits);
    }
}
