using System.Text.Json.Nodes;
using Grains.Interfaces.Money;
using Grains.Interfaces.Payments;

namespace ApiHost.Payments;

/// <summary>
/// The §Payments wire shapes. Amounts are JSON numbers in major units with the currency's minor digits (1099.00,
/// JPY 1200); Stripe-facing currencies are lowercase as Stripe echoes them ("usd"), as the document's examples show.
/// </summary>
public static class PaymentContract
{
    public static decimal Amount(decimal amount, string currency) => MoneyRounding.Round(amount, currency);

    public static PaymentIntentData Intent(PaymentIntentCreated c) =>
        new(c.PaymentIntentId, c.ClientSecret, Amount(c.Amount, c.Currency), c.Currency.ToLowerInvariant(), c.Status, c.DealId);

    public static DealPaymentsData View(DealPaymentView v) => new(v.DealId, v.DealStatus, v.PaymentStatus, v.Currency, Amount(v.Total, v.Currency),
        Amount(v.AmountPaid, v.Currency), Amount(v.AmountRefunded, v.Currency), Amount(v.BalanceDue, v.Currency),
        [.. v.Payments.Intents.Select(IntentRecord)], [.. v.Payments.History.Select(History)]);

    public static PaymentIntentInfo IntentRecord(PaymentIntentRecord i) => new(i.Id, i.Status, Amount(i.Amount, i.Currency),
        Amount(i.AmountReceived, i.Currency), Amount(i.AmountRefunded, i.Currency), i.Currency.ToLowerInvariant(), i.CaptureMethod, i.LastError,
        i.CreatedAt, i.UpdatedAt);

    public static PaymentHistoryRecord History(PaymentHistoryEntry h) => new(h.Id, h.Type, Amount(h.Amount, h.Currency), h.Currency,
        h.PaymentIntentId, h.Method, h.Reference, h.Notes, h.StripeEventId, h.Actor, h.At);

    public static PaymentSettingsData Settings(PaymentSettingsView s) => new(s.Provider, s.StripeConnected, s.StripeAccountId, s.SecretKeyHint,
        s.PaymentMethods, s.InvoiceSettingsJson is null ? new JsonObject() : JsonNode.Parse(s.InvoiceSettingsJson), s.UpdatedAt);
}
