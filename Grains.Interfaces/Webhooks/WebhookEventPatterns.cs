using System.Collections.Frozen;

namespace Grains.Interfaces.Webhooks;

/// <summary>
/// What an endpoint may subscribe to: an exact event name from the catalogue, a family wildcard (<c>deal.*</c>,
/// <c>agent.trust.*</c>) that names at least one catalogued event, or <c>*</c> for everything. Names are checked
/// against the catalogue so a typo (<c>deal.create</c>) is a 400, not a subscription that never fires.
/// </summary>
public static class WebhookEventPatterns
{
    public const string All = "*";

    /// <summary>The document's event catalogue (Salesbooth §Webhooks "Available Events") plus the product events we emit.</summary>
    public static readonly FrozenSet<string> Catalogue = new[]
    {
        "deal.created", "deal.updated", "deal.status_changed", "deal.closed", "deal.fulfilled", "deal.expired",
        "deal.unsigned", "deal.signature_added", "deal.signature_timeout",
        "deal.item_added", "deal.item_removed", "deal.item_updated", "deal.discount_applied",
        "deal.partially_accepted", "deal.created_configured", "deal.change_requested",
        "deal.payment_received", "deal.payment_failed", "deal.payment_refunded", "deal.payment_overdue",
        "deal.settlement_created", "deal.settlement_initiated", "deal.settlement_completed", "deal.settlement_failed",
        "deal.settlement_all_completed",
        "deal.participant_invited", "deal.participant_accepted", "deal.participant_withdrawn", "deal.participant_completed",
        "deal.negotiation_proposed", "deal.negotiation_counter_proposed", "deal.negotiation_accepted", "deal.negotiation_rejected",
        "negotiation.proposed", "negotiation.countered", "negotiation.accepted", "negotiation.rejected", "negotiation.expired",
        "negotiation.suggestion_generated",
        "contract.signed", "contract.activated", "contract.terminated", "contract.tamper_detected", "contract.auto_renewed",
        "contract.renewal_failed", "contract.renewal_opted_out", "contract.renewal_upcoming",
        "subscription.created", "subscription.renewed", "subscription.renewal_upcoming", "subscription.paused",
        "subscription.resumed", "subscription.cancelled", "subscription.upgraded", "subscription.downgraded",
        "subscription.changed", "subscription.past_due", "subscription.suspended", "subscription.cycle_changed",
        "subscription.payment_failed", "subscription.payment_retried", "subscription.proration_credit",
        "subscription.meter_added", "subscription.meter_removed", "subscription.usage_recorded",
        "subscription.usage_charges_applied",
        "customer.created", "customer.updated", "customer.deleted",
        "product.created", "product.updated", "product.deleted",
        "booking.created", "booking.cancelled", "booking.completed", "booking.no_show", "booking.held",
        "booking.hold_expired", "booking.rescheduled",
        "billing.credit_added", "billing.credit_deducted", "billing.auto_topup", "billing.low_balance", "billing.widget_degraded",
        "delegation.proposed", "delegation.accepted", "delegation.rejected", "delegation.countered", "delegation.granted",
        "delegation.revoked", "delegation.expired", "delegation.budget_warning",
        "agent.approval_required", "agent.approval_resent", "agent.approval_escalated", "agent.anomaly_detected",
        "agent.spending_ceiling", "agent.trust_cap_exceeded", "agent.trust.level_changed", "agent.trust.abuse_detected",
        "agent.trust.decay_warning", "agent.trust.credential_issued", "agent.trust.credential_presented",
        "agent.trust.credential_revoked",
        "agent.approval_approved", "agent.approval_rejected", "agent.approval_expired",
        "delegation.proposal_expired", "agent.trust.lock_released",
        "agent.workflow.planned", "agent.workflow.approved", "agent.workflow.completed", "agent.workflow.failed",
        "agent.workflow.cancelled", "agent.workflow.degraded", "agent.workflow.step_completed", "agent.workflow.step_retried",
        "agent.workflow.dead_lettered",
        "escrow.created", "escrow.released", "escrow.refunded", "escrow.condition_fulfilled",
        "escrow.reauthorization_pending", "escrow.reauthorized", "escrow.reauthorization_failed",
        "federation.settlement_completed", "federation.settlement_failed", "federation.escrow_disputed",
        "federation.escrow_expired",
        "product_family.created", "product_family.updated", "product_family.deleted",
        "option_group.created", "option_group.updated", "option_group.deleted",
        "option.created", "option.updated", "option.deleted",
        "bundle_rule.created", "bundle_rule.updated", "bundle_rule.deleted",
        "compatibility_rule.created", "compatibility_rule.updated", "compatibility_rule.deleted",
        "saved_config.created", "saved_config.viewed", "saved_config.converted", "saved_config.expiring", "saved_config.expired",
        "portal.payment_completed", "portal.contract_signed", "portal.change_requested",
        "consent.expiring_soon", "consent.expired",
        "tenant.trust_level_changed", "tenant.trust_promoted", "tenant.trust_level_decay_warning", "trust.demoted",
        "trust.fraud_signal",
        "workflow.step_approved", "workflow.sell.proposal_received", "workflow.fulfill.delivered",
        "job.completed", "job.failed", "queue.depth_alert", "system.job_dead_letter", "service.circuit_opened",
        "service.circuit_closed", "circuit-breaker.backoff-increased", "encryption.rekey_completed", "security.csp_spike",
        "payment.received", "credential.issued", "api_key.rotated",
        "campaign.started", "campaign.completed", "campaign.paused",
        "sequence.created", "sequence.started", "sequence.completed", "sequence.paused",
        // Campaigns and sequences (one model): our lifecycle, per-contact and channel events.
        "campaign.created", "campaign.updated", "campaign.deleted", "campaign.resumed", "campaign.archived", "campaign.scheduled",
        "campaign.contact_enrolled", "campaign.contact_completed", "campaign.contact_stopped", "campaign.task_due", "linkedin.send_requested",
        // SalesOS audience and email channel (contacts, accounts, emails); *.deleted/updated/bounced are ours.
        "contact.created", "contact.updated", "contact.deleted", "contact.enriched", "contact.scored", "contact.tiered",
        "account.created", "account.updated", "account.deleted", "account.enriched", "account.scored", "account.intent_detected",
        "email.send_requested", "email.sent", "email.failed", "email.opened", "email.clicked", "email.replied",
        "email.unsubscribed", "email.bounced",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>Null when <paramref name="pattern"/> is a valid subscription, else why not.</summary>
    public static string? Problem(string pattern)
    {
        if (pattern == All || Catalogue.Contains(pattern))
        {
            return null;
        }
        if (pattern.EndsWith(".*", StringComparison.Ordinal) && pattern.Length > 2)
        {
            var prefix = pattern[..^1];
            return Catalogue.Any(name => name.StartsWith(prefix, StringComparison.Ordinal))
                ? null
                : $"'{pattern}' matches no known event";
        }
        return $"'{pattern}' is not a known event (use an exact name such as deal.created, a family such as deal.*, or *)";
    }

    public static bool Matches(IReadOnlyList<string> patterns, string eventType)
    {
        foreach (var pattern in patterns)
        {
            if (pattern == All || pattern == eventType ||
                (pattern.EndsWith(".*", StringComparison.Ordinal) && eventType.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal)))
            {
                return true;
            }
        }
        return false;
    }
}
