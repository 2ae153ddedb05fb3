using System.Security.Cryptography;
using System.Text;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Idempotency;
using Grains.Interfaces.Money;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;

namespace Grains.Payments;

/// <summary>Pure payment rules of a deal: what is due, the payment status, Stripe's idempotency keys.</summary>
public static class PaymentRules
{
    /// <summary>Intent statuses in which the customer can still pay (an intent in one of them is reused, not duplicated).</summary>
    public static readonly IReadOnlyList<string> OpenStatuses = ["requires_payment_method", "requires_confirmation", "requires_action"];

    public static decimal BalanceDue(DealView deal, DealPayments payments) => Math.Max(0m, deal.Pricing.Total - payments.Net);

    /// <summary>Without an amount: <c>deposit_required</c> while nothing is paid, else the balance due.</summary>
    public static decimal DefaultAmount(DealView deal, DealPayments payments) =>
        deal.DepositRequired is > 0m and var deposit && payments.Received == 0m ? Math.Min(deposit, deal.Pricing.Total) : BalanceDue(deal, payments);

    public static string Status(DealView deal, DealPayments p)
    {
        if (p.Refunded > 0m)
        {
            return p.Refunded >= p.Received ? PaymentKeys.StatusRefunded : PaymentKeys.StatusPartiallyRefunded;
        }
        if (p.Received > 0m)
        {
            return p.Received >= deal.Pricing.Total ? PaymentKeys.StatusSucceeded : PaymentKeys.StatusPartiallyPaid;
        }
        if (p.Intents.Any(i => i.Status == "requires_capture"))
        {
            return PaymentKeys.StatusRequiresCapture;
        }
        return p.Intents.Count > 0 && p.Intents[^1].LastError is not null ? PaymentKeys.StatusFailed : PaymentKeys.StatusUnpaid;
    }

    /// <summary>Deals that can be charged: every status between in_progress and closed.</summary>
    public static void EnsurePayable(DealView deal)
    {
        if (deal.Status == DealStatuses.Closed)
        {
            throw Deals.DealRules.AlreadyClosed();
        }
        if (deal.Status is DealStatuses.Draft or DealStatuses.Cancelled or DealStatuses.Expired)
        {
            throw DomainException.Conflict("conflict.deal_not_payable",
                $"A {deal.Status} deal cannot take a payment; move it to in_progress first (action=transition&status=in_progress)");
        }
    }

    public static void CheckAmount(decimal amount, decimal due, string currency, string field = "amount")
    {
        if (amount <= 0m)
        {
            throw DomainException.Invalid(field, "invalid", $"{field} must be greater than zero (nothing is due on the deal)");
        }
        if (amount > due)
        {
            throw DomainException.Invalid(field, "exceeds_balance",
                $"{field} may not exceed the balance due {MoneyFormat.Amount(due, currency)} {currency}");
        }
    }

    /// <summary>
    /// Stripe's idempotency key for a call: a keyed request's key (so its retry, after any crash, reaches the same
    /// Stripe object), else the deal's version (a retry against an unchanged deal is the same call).
    /// </summary>
    /// <param name="detail">What makes the call (amount, currency, intent); null for calls whose outcome depends on
    /// Stripe-side state the deal does not hold (confirm), which get a fresh key unless the request is keyed.</param>
    public static string IdempotencyKey(string dealGrainKey, string operation, long dealVersion, string? detail)
    {
        var basis = KeyedChanges.Current is { } keyed
            ? $"{dealGrainKey}\n{operation}\nkey:{keyed.Key}\n{keyed.Fingerprint}"
            : detail is null ? $"{dealGrainKey}\n{operation}\n{Guid.NewGuid():N}" : $"{dealGrainKey}\n{operation}\nv{dealVersion}\n{detail}";
        return "sb_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(basis)))[..40];
    }

    /// <summary>An intent as Stripe now reports it (amounts to major units).</summary>
    public static PaymentIntentRecord Updated(PaymentIntentRecord intent, string status, long? amountReceived, long? amountRefunded, string? lastError,
        DateTimeOffset now) => intent with
    {
        Status = status,
        AmountReceived = amountReceived is { } received ? Math.Max(intent.AmountReceived, PaymentAmounts.FromMinor(received, intent.Currency)) : intent.AmountReceived,
        AmountRefunded = amountRefunded is { } refunded ? Math.Max(intent.AmountRefunded, PaymentAmounts.FromMinor(refunded, intent.Currency)) : intent.AmountRefunded,
        LastError = lastError,
        UpdatedAt = now,
    };
}
