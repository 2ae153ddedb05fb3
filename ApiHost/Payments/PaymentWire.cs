using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using ApiHost.Api;
using Grains.Interfaces.Payments;

namespace ApiHost.Payments;

// The §Payments wire records. Amounts are JSON numbers in major units with the currency's minor digits.

public sealed record PaymentIntentData(string PaymentIntentId, string? ClientSecret, decimal Amount, string Currency, string Status, string DealId);

public sealed record PaymentIntentInfo(
    string PaymentIntentId, string Status, decimal Amount, decimal AmountReceived, decimal AmountRefunded, string Currency, string CaptureMethod,
    string? LastPaymentError, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>An intent after confirm or poll-intent, with the deal's payment state.</summary>
public sealed record PaymentIntentOutcome(
    string PaymentIntentId, string Status, decimal Amount, decimal AmountReceived, decimal AmountRefunded, string Currency, string CaptureMethod,
    string? LastPaymentError, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string DealId, string PaymentStatus, string DealStatus,
    decimal BalanceDue);

public sealed record PaymentHistoryRecord(
    string Id, string Type, decimal Amount, string Currency, string? PaymentIntentId, string? Method, string? Reference, string? Notes,
    string? StripeEventId, string Actor, DateTimeOffset CreatedAt);

public sealed record DealPaymentsData(
    string DealId, string DealStatus, string PaymentStatus, string Currency, decimal Total, decimal AmountPaid, decimal AmountRefunded,
    decimal BalanceDue, IReadOnlyList<PaymentIntentInfo> PaymentIntents, IReadOnlyList<PaymentHistoryRecord> History);

public sealed record PaymentSettingsData(
    string Provider, bool StripeConnected, string? StripeAccountId, string? SecretKey, IReadOnlyDictionary<string, bool> PaymentMethods,
    JsonNode? InvoiceSettings, DateTimeOffset? UpdatedAt);

public sealed record PaymentSettingsSaved(string Message, PaymentSettingsData Settings);

public sealed record PaymentLinkData(string PaymentLink, string CheckoutSessionId, decimal Amount, string Currency, DateTimeOffset ExpiresAt);

public sealed record PaymentCaptureData(string PaymentIntentId, decimal CapturedAmount, string Currency, string PaymentStatus, string DealStatus,
    decimal BalanceDue);

public sealed record PaymentRefundData(string DealId, string? PaymentIntentId, string? RefundId, decimal Amount, string Currency, string? Reason,
    decimal TotalRefunded, string PaymentStatus, string DealStatus);

public sealed record ManualPaymentData(
    string Id, string Type, decimal Amount, string Currency, string? PaymentIntentId, string? Method, string? Reference, string? Notes,
    string? StripeEventId, string Actor, DateTimeOffset CreatedAt, string PaymentId, string DealId, string PaymentStatus, string DealStatus,
    decimal BalanceDue);

/// <summary>charge-saved-method: <c>payment_status</c> is the intent's (succeeded, or requires_payment_method after a decline).</summary>
public sealed record SavedMethodChargeData(string PaymentIntentId, decimal Amount, string Currency, string PaymentStatus, string DealStatus,
    decimal BalanceDue, string? FailureMessage);

public sealed record StripeConnectData(string Url, string AccountId);

public sealed record PaymentMessage(string Message);

public sealed record StripeWebhookReceipt(bool Received, string EventId, string Type, bool Handled);

public sealed record PaymentIntentBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Range(0.01, 1_000_000_000_000), Description("Default: the deal's deposit_required, else its total")] public decimal? Amount { get; init; }
    public string? Currency { get; init; }
    [OneOf(typeof(PaymentKeys), nameof(PaymentKeys.CaptureMethods)), Description("automatic (default) or manual (authorise now, capture later)")] public string? CaptureMethod { get; init; }
}

public sealed record PaymentIntentIdBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Required, MaxLength(255)] public string? PaymentIntentId { get; init; }
}

public sealed record PaymentPollBody : IApiRequest
{
    [Required, MaxLength(255)] public string? PaymentIntentId { get; init; }
}

public sealed record PaymentCaptureBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Required, MaxLength(255)] public string? PaymentIntentId { get; init; }
    [Range(0.01, 1_000_000_000_000), Description("Default: all that was authorised")] public decimal? AmountToCapture { get; init; }
}

public sealed record PaymentRefundBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Range(0.01, 1_000_000_000_000), Description("Default: all that is left to refund")] public decimal? Amount { get; init; }
    [MaxLength(1000)] public string? Reason { get; init; }
}

public sealed record ManualPaymentBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Required, Range(0.01, 1_000_000_000_000)] public decimal? Amount { get; init; }
    [Required, OneOf(typeof(PaymentKeys), nameof(PaymentKeys.ManualMethods))] public string? Method { get; init; }
    [MaxLength(255)] public string? Reference { get; init; }
    [MaxLength(10_000)] public string? Notes { get; init; }
}

public sealed record ChargeSavedMethodBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Required, MaxLength(64), Description("The deal's customer")] public string? CustomerId { get; init; }
    [MaxLength(255), Description("A Stripe payment method of the customer; default its default payment method, else its newest card")]
    public string? PaymentMethodId { get; init; }
}

public sealed record PaymentLinkBody : IApiRequest
{
    [Required, MaxLength(64)] public string? DealId { get; init; }
    [Url] public string? SuccessUrl { get; init; }
    [Url] public string? CancelUrl { get; init; }
}

public sealed record PaymentSettingsBody : IApiRequest
{
    [Description("Payment method → enabled")] public IReadOnlyDictionary<string, bool>? PaymentMethods { get; init; }
    public JsonObject? InvoiceSettings { get; init; }
    [Description("sk_test_…, sk_live_… or rk_…; stored encrypted, never shown again")] public string? StripeSecretKey { get; init; }
}
