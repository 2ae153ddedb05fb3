using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;
using Grains.Payments;
using Microsoft.Extensions.DependencyInjection;
using Stripe;

namespace Grains.Deals;

/// <summary>
/// Payments on the deal grain (document §Payments): the state is the deal's (<see cref="DealState.Payments"/>) and every
/// change is one deal write. A Stripe call runs first, with our idempotency key (<see cref="PaymentRules.IdempotencyKey"/>),
/// then its outcome is committed once; the grain handles one call at a time, so a Stripe event for an intent being
/// created waits until the intent is recorded. Money received moves the deal by the state machine's <c>payment</c> rows.
/// </summary>
public sealed partial class DealGrain : IDealPaymentsGrain
{
    private static readonly DealActor StripeActor = new("stripe", "system");

    private StripeGateway Stripe => ServiceProvider.GetRequiredService<StripeGateway>();

    private DealPayments PaymentState => Current.Payments ?? DealPayments.None;

    public async Task<PaymentIntentCreated> CreatePaymentIntent(PaymentIntentRequest request, DealActor actor)
    {
        var (amount, currency, captureMethod) = request;
        var current = Existing();
        PaymentRules.EnsurePayable(current);
        if (currency is not null && !string.Equals(currency, current.Currency, StringComparison.OrdinalIgnoreCase))
        {
            throw DomainException.Invalid("currency", "currency_mismatch", $"The payment must be in the deal currency {current.Currency}");
        }
        var payments = PaymentState;
        var charge = amount ?? PaymentRules.DefaultAmount(current, payments);
        PaymentRules.CheckAmount(charge, PaymentRules.BalanceDue(current, payments), current.Currency);
        var minor = PaymentAmounts.ToMinor(charge, current.Currency);
        var session = await Stripe.ForPartition(Partition);

        // An intent the customer can still pay, for the same amount, is handed out again rather than duplicated.
        foreach (var open in payments.Intents.Where(i => i.Amount == charge && i.CaptureMethod == captureMethod && PaymentRules.OpenStatuses.Contains(i.Status)).Reverse())
        {
            var seen = await session.GetIntent(open.Id);
            if (PaymentRules.OpenStatuses.Contains(seen.Status))
            {
                return new PaymentIntentCreated(seen.Id, seen.ClientSecret, charge, current.Currency, seen.Status, current.Id);
            }
        }

        // With a customer, the card paid with is saved to its Stripe Customer for later off-session charges.
        var stripeCustomer = current.CustomerId is { } customerId ? await StripeCustomerOf(session, customerId, create: true) : null;
        var intent = await session.CreateIntent(new PaymentIntentCreateOptions
        {
            Amount = minor,
            Currency = current.Currency.ToLowerInvariant(),
            CaptureMethod = captureMethod,
            Description = current.Title,
            Customer = stripeCustomer,
            SetupFutureUsage = stripeCustomer is null ? null : "off_session",
            Metadata = new Dictionary<string, string> { [PaymentKeys.DealMetadataKey] = GrainKey, ["deal_id"] = current.Id },
        }, PaymentRules.IdempotencyKey(GrainKey, "payment_intent", Current.Version, $"{minor} {current.Currency} {captureMethod}"));
        await GrainFactory.GetGrain<IPaymentIntentLocatorGrain>(intent.Id).Register(GrainKey);
        var created = new PaymentIntentCreated(intent.Id, intent.ClientSecret, charge, current.Currency, intent.Status, current.Id);
        if (payments.Intents.Any(i => i.Id == intent.Id))
        {
            return created;
        }
        var now = time.GetUtcNow();
        var record = new PaymentIntentRecord(intent.Id, charge, current.Currency, intent.Status, 0m, 0m, captureMethod, null, now, now);
        var entry = HistoryEntry(PaymentKeys.IntentCreated, charge, current.Currency, intent.Id, actor, now);
        var next = payments with { Intents = [.. payments.Intents, record], History = [.. payments.History, entry] };
        // The stored result (a keyed replay's answer) leaves the client secret out; a replay asks Stripe for it again.
        await CommitAudited(Stamp(current, now), [], actor, "payment.intent_created",
            new { payment_intent_id = intent.Id, amount = charge, currency = current.Currency }, s => s.Payments = next,
            result: created with { ClientSecret = null });
        return created;
    }

    public async Task<PaymentOutcome> Capture(string paymentIntentId, decimal? amountToCapture, DealActor actor)
    {
        var current = Existing();
        PaymentRules.EnsurePayable(current);
        var payments = PaymentState;
        var intent = payments.Intents.FirstOrDefault(i => i.Id == paymentIntentId) ?? throw DomainException.NotFound("Payment intent");
        if (Current.Escrow is { IsHeld: true } escrow && escrow.PaymentIntentId == intent.Id)
        {
            throw DomainException.Conflict("conflict.escrow_held",
                $"Payment intent {intent.Id} holds escrow {escrow.Id}: release the escrow to capture it (action=release_escrow)");
        }
        if (intent.Status != "requires_capture")
        {
            throw DomainException.Conflict("conflict.payment_not_capturable",
                $"Payment intent {intent.Id} is {intent.Status}; only an intent in requires_capture can be captured");
        }
        var amount = amountToCapture ?? intent.Amount;
        if (amount <= 0m || amount > intent.Amount)
        {
            throw DomainException.Invalid("amount_to_capture", "out_of_range",
                $"amount_to_capture must be between 0 and the authorised {MoneyFormat.Amount(intent.Amount, intent.Currency)} {intent.Currency}");
        }
        var session = await Stripe.ForPartition(Partition);
        var captured = await session.Capture(intent.Id, amountToCapture is null ? null : PaymentAmounts.ToMinor(amount, intent.Currency),
            PaymentRules.IdempotencyKey(GrainKey, "capture", Current.Version, intent.Id));
        var now = time.GetUtcNow();
        var updated = PaymentRules.Updated(intent, captured.Status, captured.AmountReceived, null, null, now);
        return await RecordIntentChange(current, intent, updated, null, actor, now, "payment.captured");
    }

    public async Task<PaymentOutcome> Refund(decimal? amount, string? reason, DealActor actor)
    {
        var current = Existing();
        var payments = PaymentState;
        var refundable = payments.Intents.Where(i => i.AmountReceived > i.AmountRefunded).Reverse().ToList();
        if (refundable.Count == 0)
        {
            throw DomainException.Conflict("conflict.nothing_to_refund", "The deal has no captured card payment left to refund");
        }
        var total = refundable.Sum(i => i.AmountReceived - i.AmountRefunded);
        if (amount is { } asked && asked > total)
        {
            throw DomainException.Invalid("amount", "exceeds_refundable",
                $"amount may not exceed what was captured and not yet refunded: {MoneyFormat.Amount(total, current.Currency)} {current.Currency}");
        }
        var intent = amount is { } wanted ? refundable.FirstOrDefault(i => i.AmountReceived - i.AmountRefunded >= wanted) : refundable[0];
        if (intent is null)
        {
            throw DomainException.Invalid("amount", "spans_payments",
                $"A refund comes from one card payment; the largest refundable is {MoneyFormat.Amount(refundable.Max(i => i.AmountReceived - i.AmountRefunded), current.Currency)}");
        }
        var refundAmount = amount ?? intent.AmountReceived - intent.AmountRefunded;
        var minor = PaymentAmounts.ToMinor(refundAmount, intent.Currency);
        var session = await Stripe.ForPartition(Partition);
        var refund = await session.Refund(intent.Id, minor, reason, PaymentRules.IdempotencyKey(GrainKey, "refund", Current.Version, $"{intent.Id} {minor}"));
        if (refund.Status is "failed" or "canceled")
        {
            throw DomainException.Conflict("conflict.refund_failed", $"Stripe did not refund {intent.Id}: the refund is {refund.Status}");
        }
        var now = time.GetUtcNow();
        var updated = intent with
        {
            AmountRefunded = intent.AmountRefunded + PaymentAmounts.FromMinor(refund.Amount, intent.Currency),
            UpdatedAt = now,
        };
        return await RecordIntentChange(current, intent, updated, reason, actor, now, "payment.refunded");
    }

    public async Task<PaymentOutcome> RecordManual(ManualPaymentInput payment, DealActor actor)
    {
        var current = Existing();
        PaymentRules.EnsurePayable(current);
        var payments = PaymentState;
        if (MoneyRounding.Round(payment.Amount, current.Currency) != payment.Amount)
        {
            throw DomainException.Invalid("amount", "invalid_precision", $"{current.Currency} amounts have at most {MoneyRounding.Digits(current.Currency)} decimal places");
        }
        PaymentRules.CheckAmount(payment.Amount, PaymentRules.BalanceDue(current, payments), current.Currency);
        var now = time.GetUtcNow();
        var entry = HistoryEntry(PaymentKeys.ManualPayment, payment.Amount, current.Currency, null, actor, now) with
        {
            Method = payment.Method,
            Reference = payment.Reference,
            Notes = payment.Notes,
        };
        var next = payments with { History = [.. payments.History, entry] };
        return await RecordPayments(current, next, null, entry, ReceivedEvents(current, next, entry, null), actor, now,
            "payment.manual_recorded", new { amount = payment.Amount, method = payment.Method, reference = payment.Reference }, settles: true);
    }

    public async Task<PaymentOutcome> ChargeSavedMethod(string customerId, string? paymentMethodId, DealActor actor)
    {
        var current = Existing();
        PaymentRules.EnsurePayable(current);
        if (current.CustomerId != customerId)
        {
            throw DomainException.Invalid("customer_id", "not_deal_customer", "customer_id must be the deal's customer");
        }
        var payments = PaymentState;
        var charge = PaymentRules.DefaultAmount(current, payments);
        PaymentRules.CheckAmount(charge, PaymentRules.BalanceDue(current, payments), current.Currency);
        var session = await Stripe.ForPartition(Partition);
        var (stripeCustomer, method) = await SavedCardOf(session, customerId, paymentMethodId);
        var minor = PaymentAmounts.ToMinor(charge, current.Currency);
        var seen = await session.ChargeOffSession(new PaymentIntentCreateOptions
        {
            Amount = minor,
            Currency = current.Currency.ToLowerInvariant(),
            Customer = stripeCustomer,
            PaymentMethod = method,
            OffSession = true,
            Confirm = true,
            Description = current.Title,
            Metadata = new Dictionary<string, string> { [PaymentKeys.DealMetadataKey] = GrainKey, ["deal_id"] = current.Id },
        }, PaymentRules.IdempotencyKey(GrainKey, "charge_saved_method", Current.Version, $"{minor} {current.Currency} {method}"));
        await GrainFactory.GetGrain<IPaymentIntentLocatorGrain>(seen.Id).Register(GrainKey);
        var now = time.GetUtcNow();
        var before = PaymentState.Intents.FirstOrDefault(i => i.Id == seen.Id)
                     ?? new PaymentIntentRecord(seen.Id, charge, current.Currency, "requires_payment_method", 0m, 0m, "automatic", null, now, now);
        return await Observe(current, before, seen, actor, "payment.charged_saved_method");
    }

    /// <summary>
    /// The customer's Stripe Customer and the card to charge off-session: the one named, the customer's default, or its
    /// first saved card; 409 <c>conflict.no_saved_payment_method</c> when there is none.
    /// </summary>
    private async Task<(string StripeCustomer, string PaymentMethod)> SavedCardOf(StripeSession session, string customerId, string? paymentMethodId)
    {
        var stripeCustomer = await StripeCustomerOf(session, customerId, create: false)
            ?? throw DomainException.Conflict("conflict.no_saved_payment_method", "The customer has no saved payment method: it has not paid by card yet");
        var method = paymentMethodId ?? (await session.GetCustomer(stripeCustomer)).InvoiceSettings?.DefaultPaymentMethodId
            ?? (await session.CardsOf(stripeCustomer)).Data.FirstOrDefault()?.Id
            ?? throw DomainException.Conflict("conflict.no_saved_payment_method", "The customer has no saved card");
        return (stripeCustomer, method);
    }

    /// <summary>The customer's Stripe Customer; made (once: our key, then remembered) when <paramref name="create"/>.</summary>
    private async Task<string?> StripeCustomerOf(StripeSession session, string customerId, bool create)
    {
        var mapping = GrainFactory.GetGrain<IStripeCustomerGrain>($"{Partition}/{customerId}");
        if (await mapping.StripeCustomerId() is { } known || !create)
        {
            return await mapping.StripeCustomerId();
        }
        var made = await session.CreateCustomer(customerId, $"customer:{Partition}/{customerId}");
        return await mapping.Remember(made.Id);
    }

    public Task<DealPaymentView> Payments()
    {
        var current = Existing();
        return Task.FromResult(PaymentView(current, PaymentState));
    }

    protected override async Task<object?> ReplayResult(object? stored) => stored is PaymentIntentCreated { ClientSecret: null } created
        ? created with { ClientSecret = (await (await Stripe.ForPartition(Partition)).GetIntent(created.PaymentIntentId)).ClientSecret }
        : stored;
}
