using Grains.Interfaces.Telemetry;
using System.Text.Json;
using System.Text.Json.Nodes;
using Grains.Deals.Negotiations;
using Grains.Events;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Money;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Platform;

using Grains.Platform.Telemetry;

namespace Grains.Deals;

/// <summary>
/// The deal's negotiation (document §Negotiations): propose (no history yet), counter, accept, reject, with turns
/// alternating between the agent and the merchant, and each round's <c>expires_at</c> on the deal's deadline reminder.
/// Accept applies the final terms to the deal in the same write as the acceptance (one audit entry).
/// </summary>
public sealed partial class DealGrain : IDealNegotiationGrain
{
    public async Task<DealNegotiationResult> Propose(NegotiationOffer offer, NegotiationParty party)
    {
        await SettleDeadlines();
        var current = Negotiable();
        var negotiation = Current.Negotiation;
        NegotiationRules.CheckAction(negotiation, NegotiationKeys.Propose, party.Party);
        var now = time.GetUtcNow();
        var round = NewRound(current, offer, party, 1, "proposal", now);
        var next = new DealNegotiation(ResourceIds.New(NegotiationKeys.IdPrefix), current.Id, NegotiationKeys.Proposed, [round], null, null, null);
        await CheckProposedValue(DealRecords.Priced(NegotiationRules.ApplyTerms(current, round.TermsJson, next, now).Deal), party.Actor);
        var terms = JsonNode.Parse(round.TermsJson);
        var deal = Stamp(current, now);
        await CommitAudited(deal,
        [
            Outbox.Event("negotiation.proposed", now, new
            {
                deal_id = current.Id,
                negotiation_id = next.Id,
                round_number = 1,
                proposer = party.Party,
                proposed_terms = terms,
                message = round.Message,
                expires_at = round.ExpiresAt,
            }),
            Outbox.Event("deal.negotiation_proposed", now, new { id = current.Id, deal_id = current.Id, round_number = 1, proposed_by = party.Party }),
        ], party.Actor, "deal.negotiation_proposed", new { negotiation_id = next.Id, round = 1, proposed_by = party.Party, proposed_terms = terms },
            s => s.Negotiation = next);
        SalesboothMetrics.NegotiationStep("proposed");
        await ArmDeadline();
        return new DealNegotiationResult(next, deal);
    }

    public async Task<DealNegotiationResult> Counter(NegotiationOffer offer, NegotiationParty party)
    {
        await SettleDeadlines();
        var current = Negotiable();
        var negotiation = NegotiationRules.CheckAction(Current.Negotiation, NegotiationKeys.Counter, party.Party)!;
        var now = time.GetUtcNow();
        var previous = negotiation.Last;
        var round = NewRound(current, offer, party, previous.Round + 1, "counter", now);
        var next = negotiation with { Status = NegotiationKeys.CounterProposed, Rounds = [.. negotiation.Rounds, round] };
        await CheckProposedValue(DealRecords.Priced(NegotiationRules.ApplyTerms(current, round.TermsJson, next, now).Deal), party.Actor);
        var deal = Stamp(current, now);
        await CommitAudited(deal,
        [
            Outbox.Event("negotiation.countered", now, new
            {
                deal_id = current.Id,
                negotiation_id = next.Id,
                round_number = round.Round,
                proposer = party.Party,
                previous_terms = JsonNode.Parse(previous.TermsJson),
                new_terms = JsonNode.Parse(round.TermsJson),
                message = round.Message,
                expires_at = round.ExpiresAt,
            }),
            Outbox.Event("deal.negotiation_counter_proposed", now,
                new { id = current.Id, deal_id = current.Id, round_number = round.Round, proposed_by = party.Party }),
        ], party.Actor, "deal.negotiation_counter_proposed",
            new { negotiation_id = next.Id, round = round.Round, proposed_by = party.Party, proposed_terms = JsonNode.Parse(round.TermsJson) },
            s => s.Negotiation = next);
        SalesboothMetrics.NegotiationStep("countered");
        await ArmDeadline();
        return new DealNegotiationResult(next, deal);
    }

    public async Task<DealNegotiationResult> Accept(NegotiationParty party)
    {
        await SettleDeadlines();
        var current = Negotiable();
        var negotiation = NegotiationRules.CheckAction(Current.Negotiation, NegotiationKeys.Accept, party.Party)!;
        // The final terms change what is signed: a signed deal must be unsigned first (as for any content change).
        EnsureChangeable(current, signedContent: true);
        var now = time.GetUtcNow();
        var final = negotiation.Last;
        var applied = NegotiationRules.ApplyTerms(current, final.TermsJson, negotiation, now);
        var deal = Stamp(DealRecords.Priced(applied.Deal), now);
        var next = negotiation with { Status = NegotiationKeys.Accepted, EndedAt = now, EndedBy = party.Party };
        var finalTerms = JsonNode.Parse(final.TermsJson);
        await CommitAudited(deal,
        [
            Outbox.Event("negotiation.accepted", now, new
            {
                deal_id = current.Id,
                negotiation_id = next.Id,
                total_rounds = next.Rounds.Count,
                final_terms = finalTerms,
                accepted_by = party.Party,
                accepted_at = now,
            }),
            Outbox.Event("deal.negotiation_accepted", now,
                new { id = current.Id, deal_id = current.Id, round_number = final.Round, accepted_by = party.Party }),
            Outbox.Event("deal.updated", now, new
            {
                id = deal.Id,
                deal_id = deal.Id,
                changed_fields = applied.ChangedFields,
                terms_version = deal.TermsVersion,
                total = MoneyFormat.Amount(deal.Pricing.Total, deal.Currency),
                updated_at = now,
            }),
        ], party.Actor, "deal.negotiation_accepted",
            new { negotiation_id = next.Id, total_rounds = next.Rounds.Count, accepted_by = party.Party, final_terms = finalTerms, changed_fields = applied.ChangedFields },
            s => s.Negotiation = next);
        SalesboothMetrics.NegotiationStep("accepted");
        await ArmDeadline();
        return new DealNegotiationResult(next, deal);
    }

    public async Task<DealNegotiationResult> Reject(string? reason, NegotiationParty party)
    {
        await SettleDeadlines();
        var current = Negotiable();
        var negotiation = NegotiationRules.CheckAction(Current.Negotiation, NegotiationKeys.Reject, party.Party)!;
        var now = time.GetUtcNow();
        var next = negotiation with { Status = NegotiationKeys.Rejected, EndedAt = now, EndedBy = party.Party, RejectReason = reason };
        var deal = Stamp(current, now);
        await CommitAudited(deal,
        [
            Outbox.Event("negotiation.rejected", now, new
            {
                deal_id = current.Id,
                negotiation_id = next.Id,
                round_number = negotiation.Last.Round,
                rejected_by = party.Party,
                reason,
                rejected_at = now,
            }),
            Outbox.Event("deal.negotiation_rejected", now,
                new { id = current.Id, deal_id = current.Id, round_number = negotiation.Last.Round, rejected_by = party.Party }),
        ], party.Actor, "deal.negotiation_rejected", new { negotiation_id = next.Id, round = negotiation.Last.Round, rejected_by = party.Party, reason },
            s => s.Negotiation = next);
        SalesboothMetrics.NegotiationStep("rejected");
        await ArmDeadline();
        return new DealNegotiationResult(next, deal);
    }

    public async Task<NegotiationAdvice> Suggest(string? currentTermsJson)
    {
        var current = Existing();
        var terms = currentTermsJson ?? Current.Negotiation?.Last.TermsJson ?? "{}";
        var history = await NegotiationHistory.ReadAsync(GrainFactory.GetGrain<IDealDirectoryGrain>(Partition));
        var advice = NegotiationAdvisor.Advise(current, terms, history);
        var now = time.GetUtcNow();
        // Nothing about the deal changes, so nothing is written: the event goes straight to the tenant's log.
        await GrainFactory.GetGrain<IEventLogGrain>(Partition).Append([Outbox.Event("negotiation.suggestion_generated", now, new
        {
            deal_id = current.Id,
            negotiation_id = Current.Negotiation?.Id,
            round_number = Current.Negotiation?.Last.Round,
            current_terms = JsonNode.Parse(terms),
            suggestions = advice.Suggestions.Select(s => new { strategy = s.Strategy, proposed_terms = JsonNode.Parse(s.TermsJson), confidence = s.Confidence }),
            comparable_deals = advice.ComparableDeals,
            confidence_level = advice.ConfidenceLevel,
            generated_at = now,
        })]);
        return advice;
    }

    public Task<DealNegotiation?> Negotiation()
    {
        _ = Existing();
        return Task.FromResult(Current.Negotiation);
    }

    private async Task ExpireNegotiation(DealNegotiation negotiation, DateTimeOffset now)
    {
        var current = Existing();
        var next = negotiation with { Status = NegotiationKeys.Expired, EndedAt = now, EndedBy = "system" };
        var last = negotiation.Last;
        await CommitAudited(Stamp(current, now),
        [
            Outbox.Event("negotiation.expired", now, new
            {
                deal_id = current.Id,
                negotiation_id = next.Id,
                round_number = last.Round,
                proposer = last.ProposedBy,
                awaiting = NegotiationKeys.Other(last.ProposedBy),
                last_terms = JsonNode.Parse(last.TermsJson),
                expires_at = last.ExpiresAt,
                expired_at = now,
            }),
        ], SystemActor, "deal.negotiation_expired", new { negotiation_id = next.Id, round = last.Round, expires_at = last.ExpiresAt },
            s => s.Negotiation = next);
        SalesboothMetrics.NegotiationStep("expired");
    }

    /// <summary>The deal if it may still be negotiated (not closed, cancelled or expired).</summary>
    private DealView Negotiable()
    {
        var current = Existing();
        EnsureChangeable(current, signedContent: false);
        return current;
    }

    private NegotiationRound NewRound(DealView deal, NegotiationOffer offer, NegotiationParty party, int number, string type, DateTimeOffset now)
    {
        NegotiationRules.CheckTerms(deal, offer.TermsJson);
        var expiresAt = offer.ExpiresAt ?? now + NegotiationKeys.DefaultRoundLifetime;
        if (expiresAt <= now)
        {
            throw DomainException.Invalid("expires_at", "in_past", "expires_at must be in the future");
        }
        if (expiresAt > now + NegotiationKeys.MaxRoundLifetime)
        {
            throw DomainException.Invalid("expires_at", "too_far", "expires_at may be at most 365 days ahead");
        }
        return new NegotiationRound(number, type, party.Party, party.Actor.Actor, offer.TermsJson, offer.Message, expiresAt, now);
    }
}
