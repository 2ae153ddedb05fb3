using Grains.Interfaces.Deals;

namespace Grains.Interfaces.Payments;

/// <summary>
/// The payment face of the deal grain (same key <c>{tenant}:{env}/deal_…</c>): each call that talks to Stripe does so
/// before the deal's write, with an idempotency key of ours, and records what Stripe answered in one change.
/// </summary>
public interface IDealPaymentsGrain : IGrainWithStringKey
{
    Task<PaymentIntentCreated> CreatePaymentIntent(PaymentIntentRequest request, DealActor actor);

    Task<PaymentOutcome> Capture(string paymentIntentId, decimal? amountToCapture, DealActor actor);

    /// <param name="amount">Null refunds everything captured and not yet refunded.</param>
    Task<PaymentOutcome> Refund(decimal? amount, string? reason, DealActor actor);

    Task<PaymentOutcome> RecordManual(ManualPaymentInput payment, DealActor actor);

    /// <summary>Confirms an intent the customer attached a payment method to; a decline is recorded (payment_failed), not thrown.</summary>
    Task<PaymentOutcome> Confirm(string paymentIntentId, DealActor actor);

    /// <summary>Asks Stripe for the intent's state and records what changed (a payment whose webhook was lost is found this way).</summary>
    Task<PaymentOutcome> PollIntent(string paymentIntentId, DealActor actor);

    /// <summary>
    /// Charges the deal's customer's saved card off-session (the amount due, deposit first): the given Stripe payment
    /// method, else the Stripe customer's default, else its newest card. A decline is recorded (payment_failed), not thrown.
    /// </summary>
    Task<PaymentOutcome> ChargeSavedMethod(string customerId, string? paymentMethodId, DealActor actor);

    /// <summary>A Stripe Checkout Session for the amount due (deposit first, as for an intent).</summary>
    Task<CheckoutRecord> GenerateLink(string? successUrl, string? cancelUrl, DealActor actor);

    Task<DealPaymentView> Payments();

    /// <summary>A verified Stripe event for one of this deal's intents; the same event id twice changes nothing.</summary>
    Task<PaymentOutcome?> ApplyStripeEvent(StripeEventInput stripeEvent);
}

/// <summary>The tenant+environment's payment settings and Stripe credentials (key <c>{tenant}:{env}</c>).</summary>
public interface IPaymentSettingsGrain : IGrainWithStringKey
{
    Task<PaymentSettingsView> Get();

    Task<PaymentSettingsView> Save(PaymentSettingsInput input);

    Task<StripeConnectLink> Connect();

    Task<PaymentSettingsView> Disconnect();
}

/// <summary>A PaymentIntent id → the deal grain that made it (key <c>pi_…</c>): routes charge events and tenant-checks lookups.</summary>
public interface IPaymentIntentLocatorGrain : IGrainWithStringKey
{
    Task Register(string dealGrainKey);

    Task<string?> DealGrainKey();
}

/// <summary>
/// Our customer → its Stripe Customer (key <c>{tenant}:{env}/cust_…</c>), made on the customer's first card payment so the
/// cards it pays with are saved for off-session charges (<c>charge-saved-method</c>).
/// </summary>
public interface IStripeCustomerGrain : IGrainWithStringKey
{
    Task<string?> StripeCustomerId();

    /// <summary>Remembers the Stripe Customer; the first one remembered wins and is returned.</summary>
    Task<string> Remember(string stripeCustomerId);
}
