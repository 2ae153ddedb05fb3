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

    public static JsonObject Intent(PaymentIntentCreated c) => new()
    {
        ["payment_intent_id"] = c.PaymentIntentId,
        ["client_secret"] = c.ClientSecret,
        ["amount"] = Amount(c.Amount, c.Currency),
        ["currency"] = c.Currency.ToLowerInvariant(),
        ["status"] = c.Status,
        ["deal_id"] = c.DealId,
    };

    public static JsonObject View(DealPaymentView v) => new()
    {
        ["deal_id"] = v.DealId,
        ["deal_status"] = v.DealStatus,
        ["payment_status"] = v.PaymentStatus,
        ["currency"] = v.Currency,
        ["total"] = Amount(v.Total, v.Currency),
        ["amount_paid"] = Amount(v.AmountPaid, v.Currency),
        ["amount_refunded"] = Amount(v.AmountRefunded, v.Currency),
        ["balance_due"] = Amount(v.BalanceDue, v.Currency),
        ["payment_intents"] = new JsonArray([.. v.Payments.Intents.Select(i => (JsonNode)IntentRecord(i))]),
        ["history"] = new JsonArray([.. v.Payments.History.Select(h => (JsonNode)History(h))]),
    };

    public static JsonObject IntentRecord(PaymentIntentRecord i) => new()
    {
        ["payment_intent_id"] = i.Id,
        ["status"] = i.Status,
        ["amount"] = Amount(i.Amount, i.Currency),
        ["amount_received"] = Amount(i.AmountReceived, i.Currency),
        ["amount_refunded"] = Amount(i.AmountRefunded, i.Currency),
        ["currency"] = i.Currency.ToLowerInvariant(),
        ["capture_method"] = i.CaptureMethod,
        ["last_payment_error"] = i.LastError,
        ["created_at"] = i.CreatedAt,
        ["updated_at"] = i.UpdatedAt,
    };

    public static JsonObject History(PaymentHistoryEntry h) => new()
    {
        ["id"] = h.Id,
        ["type"] = h.Type,
        ["amount"] = Amount(h.Amount, h.Currency),
        ["currency"] = h.Currency,
        ["payment_intent_id"] = h.PaymentIntentId,
        ["method"] = h.Method,
        ["reference"] = h.Reference,
        ["notes"] = h.Notes,
        ["stripe_event_id"] = h.StripeEventId,
        ["actor"] = h.Actor,
        ["created_at"] = h.At,
    };

    public static JsonObject Settings(PaymentSettingsView s) => new()
    {
        ["provider"] = s.Provider,
        ["stripe_connected"] = s.StripeConnected,
        ["stripe_account_id"] = s.StripeAccountId,
        ["secret_key"] = s.SecretKeyHint,
        ["payment_methods"] = new JsonObject([.. s.PaymentMethods.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))]),
        ["invoice_settings"] = s.InvoiceSettingsJson is null ? new JsonObject() : JsonNode.Parse(s.InvoiceSettingsJson),
        ["updated_at"] = s.UpdatedAt,
    };
}
