namespace ApiHost.OpenApi;

/// <summary>The document's tags (one per route group, <see cref="Api.ApiRoutes.MapApi"/>) and what each covers.</summary>
public static class ApiTags
{
    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["keys"] = "API keys of the caller's tenant: issue (the secret is shown once), list, rename, revoke. Needs `admin`.",
        ["customers"] = "Customers: the buyers deals are made with. PII is encrypted at rest.",
        ["products"] = "The product catalogue that deal line items are priced from.",
        ["deals"] = "Deals: line items, discounts, the state machine, terms, signatures, escrow and outcomes.",
        ["deal-negotiations"] = "Rounds of proposals and counter-proposals on a deal's terms.",
        ["schema"] = "Machine-readable schemas: the deal state machine and the deal terms.",
        ["payments"] = "Stripe payments of a deal: intents, capture, refunds, manual payments, payment links, settings.",
        ["payment-intent"] = "Create a Stripe PaymentIntent for a deal (the shortcut of payments `action=create-intent`).",
        ["stripe-webhook"] = "Inbound Stripe events, verified by Stripe-Signature.",
        ["delegations"] = "Spending authority delegated to agents: caps, chains, verification and spending.",
        ["contacts"] = "Contacts (SalesOS): the people outreach goes to, with engagement scores and tiers. PII is encrypted at rest.",
        ["accounts"] = "Accounts (SalesOS): the companies contacts work for.",
        ["emails"] = "Email templates, the sending account, sending and the status of each email.",
        ["campaigns"] = "Campaigns and sequences (one model): ordered outreach steps with delays, send windows, caps, stop rules and metrics.",
        ["sequences"] = "SalesOS sequences: created here, they are campaigns of kind `sequence` (same id, routes and rules as campaigns).",
        ["sam-campaigns"] = "SAM's campaign routes (`/api/campaigns`): its field names and body-addressed actions on the same campaigns as `/v1/campaigns`.",
        ["prospect-approval"] = "SAM's prospect approval sessions: uploaded prospects waiting for a person's approve or reject, before they become contacts in a campaign.",
        ["messages"] = "SAM's campaign messages (`/api/messages` and `/v1/messages`): send one step to a prospect now, and a prospect's conversation in a campaign.",
        ["analytics"] = "Analytics: every campaign's outreach metrics.",
        ["automation"] = "The campaign engine's status (4Runr): dispatch cycles of the campaign shards.",
        ["email-webhook"] = "Inbound email events (replies, bounces, unsubscribes), authenticated by a shared secret.",
        ["agent-trust"] = "An API key's trust level (L0-L4), score, transaction cap and capabilities.",
        ["agent-trust-credentials"] = "TrustLevelCredentials: EdDSA JWTs an agent presents elsewhere, verifiable offline.",
        ["trust"] = "The tenant's trust level, score and auto top-up ceiling, its history, and the public list of revoked trust credentials.",
        ["webhooks"] = "Webhook endpoints, deliveries, dead letters, retries, replay and the tenant event log.",
    };
}
