namespace Grains.Interfaces.Deals;

/// <summary>The document's nine deal statuses.</summary>
public static class DealStatuses
{
    public const string Draft = "draft";
    public const string InProgress = "in_progress";
    public const string PendingSignature = "pending_signature";
    public const string AwaitingSignatures = "awaiting_signatures";
    public const string PendingPayment = "pending_payment";
    public const string PartiallyAccepted = "partially_accepted";
    public const string Closed = "closed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All =
        [Draft, InProgress, PendingSignature, AwaitingSignatures, PendingPayment, PartiallyAccepted, Closed, Cancelled, Expired];

    /// <summary>No further change of any kind (closed); cancelled and expired deals can only be deleted.</summary>
    public static bool IsFinal(string status) => status is Closed or Cancelled or Expired;
}

/// <summary>Conditions a transition may require; the deal grain evaluates them against its state.</summary>
public static class DealConditions
{
    public const string HasCustomer = "has_customer";
    public const string HasLineItems = "has_line_items";
    public const string FullySigned = "fully_signed";
    public const string Unsigned = "unsigned";
    public const string NoHeldEscrow = "no_held_escrow";
    public const string EscrowHeld = "escrow_held";
    public const string EscrowConditionsMet = "escrow_conditions_met";

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [HasCustomer] = "The deal has a customer",
        [HasLineItems] = "The deal has at least one line item",
        [FullySigned] = "Both the seller and the customer have signed",
        [Unsigned] = "The deal carries no signature",
        [NoHeldEscrow] = "No escrow is held on the deal (release or refund it first)",
        [EscrowHeld] = "An escrow is held on the deal",
        [EscrowConditionsMet] = "An escrow is held and every one of its conditions is fulfilled",
    };
}

/// <param name="Action">What to call: <c>transition</c> (POST ?action=transition&amp;status=), <c>sign</c>, <c>unsign</c>,
/// <c>partial_accept</c> or <c>delete</c> (DELETE cancels).</param>
[GenerateSerializer, Immutable, Alias("deals.transition")]
public sealed record DealTransition(
    [property: Id(0)] string From,
    [property: Id(1)] string To,
    [property: Id(2)] string Action,
    [property: Id(3)] string Description,
    [property: Id(4)] IReadOnlyList<string> Conditions);

/// <summary>
/// The one table of legal status moves. Every path that changes a deal's status (transition, sign, unsign,
/// partial accept, delete) looks its move up here, and <c>GET /v1/schema/state-machine</c> publishes it.
/// Who must sign: the seller (a user, API key or agent of the tenant) and the buyer (the customer, or a signer
/// acting for the deal's customer). The first signature moves the deal to awaiting_signatures, the second to
/// pending_payment; unsign removes all signatures and moves it back to pending_signature.
/// </summary>
public static class DealStateMachine
{
    public const string TransitionAction = "transition";
    public const string SignAction = "sign";
    public const string UnsignAction = "unsign";
    public const string PartialAcceptAction = "partial_accept";
    public const string DeleteAction = "delete";
    public const string EscrowAction = "escrow";
    public const string ReleaseEscrowAction = "release_escrow";
    public const string RefundEscrowAction = "refund_escrow";

    /// <summary>Not a client call: the deal grain's escrow expiry reminder (refunds with reason <c>expired</c>).</summary>
    public const string EscrowExpiryAction = "escrow_expiry";

    /// <summary>Not a client call: money received (a Stripe event, a capture, a manual payment) moves the deal.</summary>
    public const string PaymentAction = "payment";

    /// <summary>Moves the system makes by itself; valid-transitions does not offer them.</summary>
    public static bool IsSystem(string action) => action is EscrowExpiryAction or PaymentAction;

    private static readonly string[] None = [];

    public static readonly IReadOnlyList<DealTransition> Transitions =
    [
        new(DealStatuses.Draft, DealStatuses.InProgress, TransitionAction, "Start working the deal", [DealConditions.HasCustomer, DealConditions.HasLineItems]),
        new(DealStatuses.Draft, DealStatuses.Cancelled, TransitionAction, "Cancel", None),
        new(DealStatuses.InProgress, DealStatuses.PendingSignature, TransitionAction, "Send for signature", [DealConditions.HasCustomer, DealConditions.HasLineItems]),
        new(DealStatuses.InProgress, DealStatuses.AwaitingSignatures, SignAction, "First signature", [DealConditions.HasCustomer, DealConditions.HasLineItems]),
        new(DealStatuses.InProgress, DealStatuses.PartiallyAccepted, PartialAcceptAction, "Accept some line items", [DealConditions.Unsigned]),
        new(DealStatuses.InProgress, DealStatuses.Cancelled, TransitionAction, "Cancel", None),
        new(DealStatuses.InProgress, DealStatuses.Expired, TransitionAction, "Mark expired", None),
        new(DealStatuses.PendingSignature, DealStatuses.AwaitingSignatures, SignAction, "First signature", None),
        new(DealStatuses.PendingSignature, DealStatuses.InProgress, TransitionAction, "Withdraw for changes", [DealConditions.Unsigned]),
        new(DealStatuses.PendingSignature, DealStatuses.PartiallyAccepted, PartialAcceptAction, "Accept some line items", [DealConditions.Unsigned]),
        new(DealStatuses.PendingSignature, DealStatuses.Cancelled, TransitionAction, "Cancel", None),
        new(DealStatuses.PendingSignature, DealStatuses.Expired, TransitionAction, "Mark expired", None),
        new(DealStatuses.AwaitingSignatures, DealStatuses.PendingPayment, SignAction, "Second signature", None),
        new(DealStatuses.AwaitingSignatures, DealStatuses.PendingSignature, UnsignAction, "Remove the signature", None),
        new(DealStatuses.AwaitingSignatures, DealStatuses.Cancelled, TransitionAction, "Cancel", None),
        new(DealStatuses.AwaitingSignatures, DealStatuses.Expired, TransitionAction, "Mark expired", None),
        new(DealStatuses.PendingPayment, DealStatuses.PendingSignature, UnsignAction, "Remove the signatures", [DealConditions.NoHeldEscrow]),
        new(DealStatuses.PendingPayment, DealStatuses.Closed, TransitionAction, "Close (paid)", [DealConditions.FullySigned, DealConditions.NoHeldEscrow]),
        new(DealStatuses.PendingPayment, DealStatuses.Cancelled, TransitionAction, "Cancel", [DealConditions.NoHeldEscrow]),
        new(DealStatuses.PendingPayment, DealStatuses.Expired, TransitionAction, "Mark expired", [DealConditions.NoHeldEscrow]),
        new(DealStatuses.PendingPayment, DealStatuses.PendingPayment, EscrowAction, "Hold the payment in escrow", [DealConditions.FullySigned, DealConditions.NoHeldEscrow]),
        new(DealStatuses.PendingPayment, DealStatuses.Closed, ReleaseEscrowAction, "Release the escrow to the seller (closes the deal)", [DealConditions.EscrowConditionsMet]),
        new(DealStatuses.PendingPayment, DealStatuses.PendingPayment, RefundEscrowAction, "Refund the escrow to the buyer", [DealConditions.EscrowHeld]),
        new(DealStatuses.PendingPayment, DealStatuses.Expired, EscrowExpiryAction, "The escrow reached expires_at unreleased: refunded (reason expired), deal expired", [DealConditions.EscrowHeld]),
        new(DealStatuses.InProgress, DealStatuses.Closed, PaymentAction, "Paid in full (deal.payment_received): closed", None),
        new(DealStatuses.InProgress, DealStatuses.PendingPayment, PaymentAction, "Part paid (a deposit): the rest is pending payment", None),
        new(DealStatuses.PendingPayment, DealStatuses.Closed, PaymentAction, "Paid in full (deal.payment_received): closed", [DealConditions.NoHeldEscrow]),
        new(DealStatuses.PartiallyAccepted, DealStatuses.InProgress, TransitionAction, "Revise the accepted items", None),
        new(DealStatuses.PartiallyAccepted, DealStatuses.PendingSignature, TransitionAction, "Send the accepted items for signature", [DealConditions.HasCustomer, DealConditions.HasLineItems]),
        new(DealStatuses.PartiallyAccepted, DealStatuses.AwaitingSignatures, SignAction, "First signature", [DealConditions.HasCustomer, DealConditions.HasLineItems]),
        new(DealStatuses.PartiallyAccepted, DealStatuses.Cancelled, TransitionAction, "Cancel", None),
        new(DealStatuses.PartiallyAccepted, DealStatuses.Expired, TransitionAction, "Mark expired", None),
    ];

    /// <summary>Targets a client may ask for with <c>?action=transition&amp;status=</c> (draft never is one).</summary>
    public static readonly IReadOnlyList<string> Targets = [.. DealStatuses.All.Where(s => s != DealStatuses.Draft)];

    public static DealTransition? Find(string from, string to, string action) =>
        Transitions.FirstOrDefault(t => t.From == from && t.To == to && t.Action == action);

    public static IEnumerable<DealTransition> From(string status) => Transitions.Where(t => t.From == status);
}
