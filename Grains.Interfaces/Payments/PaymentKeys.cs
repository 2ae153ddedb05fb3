namespace Grains.Interfaces.Payments;

/// <summary>The payment vocabulary of the document (§Payments) and of the history this service keeps.</summary>
public static class PaymentKeys
{
    /// <summary>Manual payment methods (record-manual).</summary>
    public static readonly IReadOnlyList<string> ManualMethods = ["cash", "wire", "cheque", "bank_transfer", "other"];

    public const decimal MinimumManualAmount = 0.01m;

    public static readonly IReadOnlyList<string> CaptureMethods = ["automatic", "manual"];

    // History entry types.
    public const string IntentCreated = "intent_created";
    public const string PaymentReceived = "payment_received";
    public const string PaymentFailed = "payment_failed";
    public const string PaymentCanceled = "payment_canceled";
    public const string AuthorizationHeld = "authorization_held";
    public const string Refund = "refund";
    public const string ManualPayment = "manual_payment";
    public const string CheckoutCreated = "checkout_created";
    public const string Dispute = "dispute";

    // Deal payment statuses (payment_status): Stripe's names where Stripe has one.
    public const string StatusUnpaid = "unpaid";
    public const string StatusRequiresCapture = "requires_capture";
    public const string StatusPartiallyPaid = "partially_paid";
    public const string StatusSucceeded = "succeeded";
    public const string StatusPartiallyRefunded = "partially_refunded";
    public const string StatusRefunded = "refunded";
    public const string StatusFailed = "failed";

    /// <summary>Stripe events that change a deal's payments; any other verified event is acknowledged and ignored.</summary>
    public static readonly IReadOnlyList<string> HandledEvents =
    [
        "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled", "payment_intent.amount_capturable_updated",
        "charge.refunded", "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed", "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    ];

    /// <summary>How long Stripe keeps an online card authorisation (most cards); an escrow backed by one expires by then.</summary>
    public static readonly TimeSpan CardAuthorizationWindow = TimeSpan.FromDays(7);

    /// <summary>Webhook verification window (Stripe's default), seconds.</summary>
    public const long SignatureToleranceSeconds = 300;

    /// <summary>Stripe event ids a deal remembers (newest) to answer a redelivered event with no change.</summary>
    public const int MaxRememberedEvents = 200;

    /// <summary>PaymentIntent metadata naming the deal grain (<c>{tenant}:{env}/deal_…</c>).</summary>
    public const string DealMetadataKey = "salesbooth_deal";

    /// <summary>PaymentIntent metadata (set through the Checkout Session) naming the deal's checkout that made it.</summary>
    public const string CheckoutMetadataKey = "salesbooth_checkout";

    /// <summary>Metadata on a Stripe Customer: our customer id.</summary>
    public const string CustomerMetadataKey = "salesbooth_customer";
}
