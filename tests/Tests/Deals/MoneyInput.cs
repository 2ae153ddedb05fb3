namespace Tests.Deals;

/// <summary>Any amount in a currency, for round-trip checks of the money strings.</summary>
public sealed record MoneyInput(decimal Amount, string Currency);
