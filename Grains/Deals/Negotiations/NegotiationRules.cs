using System.Text.Json;
using System.Text.Json.Nodes;
using Grains.Interfaces.Deals;
using Grains.Interfaces.Platform;

namespace Grains.Deals.Negotiations;

/// <summary>The deal after accepted terms, and which of its fields changed.</summary>
public sealed record AppliedTerms(DealView Deal, IReadOnlyList<string> ChangedFields);

/// <summary>
/// Pure rules of a negotiation: the status machine (409 with the allowed next steps), turn-taking, the terms a round
/// may carry, and how accepted terms change the deal.
/// </summary>
public static class NegotiationRules
{
    /// <summary>The discount that carries a negotiation's <c>discount_percent</c> (replaced by each accepted negotiation).</summary>
    public const string DiscountCode = "negotiated";

    /// <summary>
    /// The negotiation if <paramref name="action"/> by <paramref name="party"/> is allowed now; else 409: the state
    /// does not allow the action (<c>conflict.invalid_negotiation_state</c>), or it is the other party's turn
    /// (<c>conflict.negotiation_turn</c>; accepting one's own proposal is <c>conflict.cannot_accept_own_proposal</c>).
    /// </summary>
    public static DealNegotiation? CheckAction(DealNegotiation? negotiation, string action, string party)
    {
        var status = negotiation?.Status;
        var allowed = NegotiationKeys.NextActions(status);
        if (!allowed.Contains(action))
        {
            var message = status is null
                ? $"There is no negotiation on this deal yet; start one with propose"
                : action == NegotiationKeys.Propose
                    ? $"propose is only valid with no prior history; this deal's negotiation is {status}"
                    : $"The negotiation is {status}; {action} is not allowed";
            throw DomainException.Conflict("conflict.invalid_negotiation_state", message, Details(negotiation, action, party, allowed));
        }
        if (negotiation is null)
        {
            return null;
        }
        var awaiting = NegotiationKeys.Other(negotiation.Last.ProposedBy);
        if (party != awaiting)
        {
            if (action == NegotiationKeys.Accept)
            {
                throw DomainException.Conflict("conflict.cannot_accept_own_proposal",
                    $"Round {negotiation.Last.Round} was proposed by the {party}; only the {awaiting} can accept it",
                    Details(negotiation, action, party, allowed));
            }
            throw DomainException.Conflict("conflict.negotiation_turn",
                $"It is the {awaiting}'s turn to answer round {negotiation.Last.Round}; the {party} made it",
                Details(negotiation, action, party, allowed));
        }
        return negotiation;
    }

    /// <summary>Terms valid against the deal-terms schema and applicable to this deal (checked when proposed, so accept cannot fail on them).</summary>
    public static void CheckTerms(DealView deal, string termsJson)
    {
        using var doc = JsonDocument.Parse(termsJson);
        var errors = DealTermsSchema.Validate(doc.RootElement, TermsUse.Negotiation, "proposed_terms.");
        if (errors.Count > 0)
        {
            var first = errors[0];
            throw DomainException.Invalid(first.Field, first.Code, $"{first.Field}: {first.Message}");
        }
        var terms = doc.RootElement;
        if (terms.TryGetProperty("quantity", out _) && deal.Items.Count != 1)
        {
            throw DomainException.Invalid("proposed_terms.quantity", "not_applicable",
                $"quantity applies to a deal with exactly one line item; this deal has {deal.Items.Count}");
        }
        if (terms.TryGetProperty("currency", out var currency) && currency.GetString() != deal.Currency)
        {
            throw DomainException.Invalid("proposed_terms.currency", "currency_mismatch", $"The deal is in {deal.Currency}");
        }
    }

    /// <summary>
    /// The deal with accepted terms applied: <c>discount_percent</c> becomes the deal's one negotiated percentage
    /// discount (0 removes it), <c>quantity</c> the quantity of its single line item, and every term is merged into the
    /// deal's terms (so it is part of the signed hash). Other keys (price, payment_terms, ...) are recorded as terms.
    /// </summary>
    public static AppliedTerms ApplyTerms(DealView deal, string termsJson, DealNegotiation negotiation, DateTimeOffset now)
    {
        var terms = JsonNode.Parse(termsJson)!.AsObject();
        var changed = new List<string> { "terms" };
        var next = deal;
        decimal? discount = null;
        if (terms["discount_percent"] is { } d)
        {
            discount = d.GetValue<decimal>();
            next = next with
            {
                Discounts =
                [
                    .. deal.Discounts.Where(x => x.Code != DiscountCode),
                    .. discount > 0
                        ? [new DealDiscount(Interfaces.Platform.ResourceIds.New(DealKeys.DiscountPrefix), "percentage", discount.Value, DiscountCode,
                            $"Negotiated discount ({negotiation.Id})", now)]
                        : Array.Empty<DealDiscount>(),
                ],
            };
            changed.Add("discounts");
        }
        if (terms["quantity"] is { } q)
        {
            var quantity = q.GetValue<int>();
            next = next with { Items = [.. next.Items.Select(i => i with { Quantity = quantity })] };
            changed.Add("line_items");
        }
        var merged = deal.TermsJson is null ? new JsonObject() : JsonNode.Parse(deal.TermsJson)!.AsObject();
        merged["terms_schema_version"] ??= DealTermsSchema.Version;
        foreach (var (key, value) in terms)
        {
            merged[key] = value?.DeepClone();
        }
        next = next with
        {
            TermsJson = merged.ToJsonString(),
            TermsVersion = deal.TermsVersion + 1,
            Negotiated = new DealNegotiated(negotiation.Rounds.Count, discount, now),
        };
        return new AppliedTerms(next, changed);
    }

    private static NegotiationStateDetails Details(DealNegotiation? negotiation, string action, string party, IReadOnlyList<string> allowed) =>
        new(negotiation?.Status, action, party, negotiation is { IsOpen: true } n ? NegotiationKeys.Other(n.Last.ProposedBy) : null,
            allowed, negotiation?.Last.Round);
}
