namespace Grains.Interfaces.Payments;

/// <summary>
/// A deal's payments, held in the deal grain's state and written with the deal's one transaction per change.
/// Only Stripe ids are stored (PaymentIntent, refund, Checkout Session), never a client secret or card data.
/// </summary>
[GenerateSerializer, Immutable, Alias("payments.deal-payments")]
public sealed record DealPayments(
    [property: Id(0)] IReadOnlyList<PaymentIntentRecord> Intents,
    [property: Id(1)] IReadOnlyList<PaymentHistoryEntry> History,
    [property: Id(2)] IReadOnlyList<string> AppliedStripeEvents,
    [property: Id(3)] IReadOnlyList<CheckoutRecord> CheckoutSessions)
{
    public static readonly DealPayments None = new([], [], [], []);

    /// <summary>Money received: captured card payments and manual payments.</summary>
    public decimal Received => Intents.Sum(i => i.AmountReceived) + History.Where(h => h.Type == PaymentKeys.ManualPayment).Sum(h => h.Amount);

    public decimal Refunded => Intents.Sum(i => i.AmountRefunded);

    public decimal Net => Received - Refunded;

    /// <summary>These payments with a Stripe event id remembered (the newest <see cref="PaymentKeys.MaxRememberedEvents"/>).</summary>
    public DealPayments Remembering(string? stripeEventId) => stripeEventId is null
        ? this
        : this with { AppliedStripeEvents = [.. AppliedStripeEvents.TakeLast(PaymentKeys.MaxRememberedEvents - 1), stripeEventId] };
}

/// <param name="Status">Stripe's PaymentIntent status as last seen (<c>requires_payment_method</c> … <c>succeeded</c>, <c>canceled</c>).</param>
/// <param name="Amount">Major units, as asked of Stripe.</param>
[GenerateSerializer, Immutable, Alias("payments.intent")]
public sealed record PaymentIntentRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string Status,
    [property: Id(4)] decimal AmountReceived,
    [property: Id(5)] decimal AmountRefunded,
    [property: Id(6)] string CaptureMethod,
    [property: Id(7)] string? LastError,
    [property: Id(8)] DateTimeOffset CreatedAt,
    [property: Id(9)] DateTimeOffset UpdatedAt)
{
    /// <summary>The Checkout Session (our payment page, <c>generate-link</c>) that made this intent, if one did.</summary>
    [Id(10)] public string? CheckoutSessionId { get; init; }
}

[GenerateSerializer, Immutable, Alias("payments.checkout")]
public sealed record CheckoutRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] decimal Amount,
    [property: Id(2)] string Currency,
    [property: Id(3)] string Url,
    [property: Id(4)] DateTimeOffset ExpiresAt,
    [property: Id(5)] DateTimeOffset CreatedAt,
    [property: Id(6)] string Reference);

/// <param name="Type">One of <see cref="PaymentKeys"/>' history types.</param>
[GenerateSerializer, Immutable, Alias("payments.history")]
public sealed record PaymentHistoryEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] string Type,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] string Currency,
    [property: Id(4)] string? PaymentIntentId,
    [property: Id(5)] string? Method,
    [property: Id(6)] string? Reference,
    [property: Id(7)] string? Notes,
    [property: Id(8)] string? StripeEventId,
    [property: Id(9)] string Actor,
    [property: Id(10)] DateTimeOffset At);

/// <summary>A deal's payment picture as the API shows it (<c>GET /payments?deal_id=</c>).</summary>
[GenerateSerializer, Immutable, Alias("payments.view")]
public sealed record DealPaymentView(
    [property: Id(0)] string DealId,
    [property: Id(1)] string DealStatus,
    [property: Id(2)] string PaymentStatus,
    [property: Id(3)] decimal Total,
    [property: Id(4)] decimal AmountPaid,
    [property: Id(5)] decimal AmountRefunded,
    [property: Id(6)] decimal BalanceDue,
    [property: Id(7)] string Currency,
    [property: Id(8)] DealPayments Payments,
    [property: Id(9)] long DealVersion);

/// <summary>A created (or reused) PaymentIntent; the client secret comes from Stripe and is never stored.</summary>
[GenerateSerializer, Immutable, Alias("payments.intent-created")]
public sealed record PaymentIntentCreated(
    [property: Id(0)] string PaymentIntentId,
    [property: Id(1)] string? ClientSecret,
    [property: Id(2)] decimal Amount,
    [property: Id(3)] string Currency,
    [property: Id(4)] string Status,
    [property: Id(5)] string DealId);

/// <summary>The outcome of a capture, refund, manual payment or event: the changed intent (if any) and the deal's picture after it.</summary>
[GenerateSerializer, Immutable, Alias("payments.outcome")]
public sealed record PaymentOutcome(
    [property: Id(0)] PaymentIntentRecord? Intent,
    [property: Id(1)] PaymentHistoryEntry? Entry,
    [property: Id(2)] DealPaymentView View);

/// <summary>What a verified Stripe event said about one PaymentIntent (amounts in minor units, as Stripe sends them).</summary>
[GenerateSerializer, Immutable, Alias("payments.stripe-event")]
public sealed record StripeEventInput(
    [property: Id(0)] string EventId,
    [property: Id(1)] string Type,
    [property: Id(2)] string PaymentIntentId,
    [property: Id(3)] string? Status,
    [property: Id(4)] long? AmountMinor,
    [property: Id(5)] long? AmountReceivedMinor,
    [property: Id(6)] long? AmountRefundedMinor,
    [property: Id(7)] string Currency,
    [property: Id(8)] string? LastError,
    [property: Id(9)] string? CheckoutReference = null,
    [property: Id(10)] string? CaptureMethod = null,
    [property: Id(11)] string? DisputeStatus = null,
    [property: Id(12)] long? DisputeAmountMinor = null);

[GenerateSerializer, Immutable, Alias("payments.manual")]
public sealed record ManualPaymentInput(
    [property: Id(0)] decimal Amount,
    [property: Id(1)] string Method,
    [property: Id(2)] string? Reference,
    [property: Id(3)] string? Notes);

/// <summary>The tenant's payment settings as shown (never the secret key itself).</summary>
[GenerateSerializer, Immutable, Alias("payments.settings")]
public sealed record PaymentSettingsView(
    [property: Id(0)] string Provider,
    [property: Id(1)] bool StripeConnected,
    [property: Id(2)] string? StripeAccountId,
    [property: Id(3)] string? SecretKeyHint,
    [property: Id(4)] IReadOnlyDictionary<string, bool> PaymentMethods,
    [property: Id(5)] string? InvoiceSettingsJson,
    [property: Id(6)] DateTimeOffset? UpdatedAt);

/// <param name="SecretKey">A Stripe secret key (<c>sk_…</c> or restricted <c>rk_…</c>) to use instead of Stripe Connect; null keeps the saved one.</param>
[GenerateSerializer, Immutable, Alias("payments.settings-input")]
public sealed record PaymentSettingsInput(
    [property: Id(0)] IReadOnlyDictionary<string, bool>? PaymentMethods,
    [property: Id(1)] string? InvoiceSettingsJson,
    [property: Id(2)] string? SecretKey);

[GenerateSerializer, Immutable, Alias("payments.connect-link")]
public sealed record StripeConnectLink([property: Id(0)] string Url, [property: Id(1)] string AccountId);

/// <param name="Amount">Major units; null charges <c>deposit_required</c> while nothing is paid, else the balance due.</param>
/// <param name="CaptureMethod"><c>automatic</c> (default) or <c>manual</c>: authorise now, capture later (action=capture).</param>
[GenerateSerializer, Immutable, Alias("payments.intent-request")]
public sealed record PaymentIntentRequest(
    [property: Id(0)] decimal? Amount,
    [property: Id(1)] string? Currency,
    [property: Id(2)] string CaptureMethod = "automatic");
