using System.Text.Json;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Projections;

namespace ApiHost.Delegations;

/// <summary>
/// The agent proposal flow under <c>/v1/delegations/proposals</c>: <c>GET</c> lists the pending rounds addressed to the
/// caller, <c>POST</c> proposes to delegate to <c>target_api_key_id</c>, <c>POST {id}/accept|reject|counter</c> (also
/// <c>POST ?id=&amp;action=</c>) answer a round; <c>GET /v1/delegations?action=proposal&amp;id=dprop_...</c> reads one.
/// The rounds' rules are the proposal grain's.
/// </summary>
public static class DelegationProposalEndpoints
{
    private delegate Task<IResult> Answer(HttpContext http, IGrainFactory grains, string? id, TimeProvider time, CancellationToken ct);

    private static readonly ActionMap<Answer> Answers = new ActionMap<Answer>("POST")
        .Add("accept", Accept, ActionDoc.Of<DelegationProposalAcceptanceData>("acceptDelegationProposal",
            "Accept a delegation proposal addressed to the caller (the delegation is made)"))
        .Add("reject", Reject, ActionDoc.Of<DelegationProposalRejectBody, DelegationProposalResource>("rejectDelegationProposal",
            "Reject a delegation proposal addressed to the caller"))
        .Add("counter", Counter, ActionDoc.Of<DelegationCounterBody, DelegationProposalResource>("counterDelegationProposal",
            "Counter a delegation proposal with a subset of its terms (opens the next round)", 201));

    /// <summary>Maps the routes on the delegations group (<c>/v1/delegations</c>).</summary>
    public static void Map(RouteGroupBuilder delegations)
    {
        var group = delegations.MapGroup("proposals");
        group.MapGet("", List).RequireScope("delegations:read")
            .Operation<DelegationProposalList>("listDelegationProposals", "Pending delegation proposals addressed to the caller")
            .Paging();
        group.MapPost("", Post).RequireScope("delegations:write").WithIdempotency().WithMetadata(Answers.QueryStyle("id", "action"))
            .Operation<DelegationProposalBody, DelegationProposalResource>("proposeDelegation",
                "Propose to delegate to another key (the target accepts, rejects or counters)", 201);
        Answers.MapPathStyle(group, "POST", "delegations:write",
            handler => (HttpContext http, IGrainFactory grains, string? id, TimeProvider time, CancellationToken ct) => handler(http, grains, id, time, ct));
    }

    /// <summary><c>GET /v1/delegations?action=proposal&amp;id=dprop_...</c>: one round with its history (its proposer, its target or an admin key).</summary>
    public static async Task<IResult> Read(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var caller = http.Caller();
        return ApiResults.Ok(Resource(await Proposal(http, grains, id).Read(caller.KeyId, caller.Has("admin"))));
    }

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, TimeProvider time, CancellationToken ct)
    {
        var caller = http.Caller();
        var paging = ListRequest.Parse(http.Request, []);
        var query = new ListQuery(paging.Limit, paging.Offset, Status: DelegationProposals.Pending,
            Filters: new Dictionary<string, string>(StringComparer.Ordinal) { ["target_key_id"] = caller.KeyId });
        var page = await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition).ListProposals(query, ct);
        var rows = page.Items.Select(Resource).ToList();
        return ApiResults.Ok(new DelegationProposalList(rows, ListResponse.Page(page.Total, new ListPaging(query.Limit, query.Offset), rows.Count)));
    }

    private static async Task<IResult> Post(HttpContext http, IGrainFactory grains, string? id, string? action, TimeProvider time, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(action))
        {
            return await Answers.Find(action)(http, grains, id, time, ct);
        }
        var caller = http.Caller();
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var target = fields.String("target_api_key_id", required: true, maxLength: 64);
        var (terms, message) = ReadTerms(fields, counter: false);
        fields.ThrowIfInvalid();
        // The grain checks the terms against the proposer's own scopes and trust level.
        var proposalId = KeyedIds.New(http, DelegationProposals.IdPrefix);
        var proposed = await grains.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(caller.Partition, proposalId))
            .Propose(new DelegationProposalInput(caller.KeyId, target!, terms, message));
        return ApiResults.Created(Resource(proposed), proposed.Version);
    }

    private static async Task<IResult> Accept(HttpContext http, IGrainFactory grains, string? id, TimeProvider time, CancellationToken ct)
    {
        var accepted = await Proposal(http, grains, id).Accept(http.Caller().KeyId);
        var d = accepted.Delegation;
        return ApiResults.Ok(new DelegationProposalAcceptanceData(Resource(accepted.Proposal),
            new AcceptedDelegation(d.Id, d.StatusAt(time.GetUtcNow()), d.AllowedActions, d.GrantorKeyId, d.GranteeKeyId, d.ExpiresAt)));
    }

    private static async Task<IResult> Reject(HttpContext http, IGrainFactory grains, string? id, TimeProvider time, CancellationToken ct)
    {
        var grain = Proposal(http, grains, id);
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var reason = fields.String("reason", maxLength: 2000);
        fields.ThrowIfInvalid();
        var rejected = await grain.Reject(http.Caller().KeyId, reason);
        return ApiResults.Ok(Resource(rejected), rejected.Version);
    }

    private static async Task<IResult> Counter(HttpContext http, IGrainFactory grains, string? id, TimeProvider time, CancellationToken ct)
    {
        var grain = Proposal(http, grains, id);
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var (terms, message) = ReadTerms(fields, counter: true);
        fields.ThrowIfInvalid();
        var next = await grain.Counter(http.Caller().KeyId, terms, message);
        return ApiResults.Created(Resource(next), next.Version);
    }

    /// <summary>
    /// The terms of a proposal or counter. A counter's duration left out is 0 here, taken by the grain as the countered
    /// round's; a proposal's defaults to 168 hours.
    /// </summary>
    private static (DelegationProposalTerms Terms, string? Message) ReadTerms(FieldReader fields, bool counter)
    {
        var actions = fields.StringList("proposed_actions", DelegationProposals.Actions.Count, 64);
        if (actions is null)
        {
            fields.Fail("proposed_actions", "required", "proposed_actions is required");
        }
        else if (actions.Count == 0 || actions.Any(a => !DelegationProposals.Actions.Contains(a)))
        {
            fields.Fail("proposed_actions", "invalid", $"proposed_actions must name at least one of: {string.Join(", ", DelegationProposals.Actions)}");
        }
        var limits = new DelegationLimits(Amount(fields, "max_transaction_amount"), Amount(fields, "max_daily_amount"),
            Amount(fields, "max_monthly_amount"));
        var hours = fields.Integer("proposed_duration_hours", min: 1, max: DelegationProposals.MaxDurationHours)
            ?? (counter ? 0 : DelegationProposals.DefaultDurationHours);
        var message = fields.String("message", maxLength: DelegationProposals.MessageMaxLength);
        return (new DelegationProposalTerms([.. (actions ?? []).Distinct(StringComparer.Ordinal)], limits, hours), message);
    }

    private static decimal? Amount(FieldReader fields, string name) => fields.Decimal(name, min: 0, max: 1_000_000_000_000m);

    public static DelegationProposalResource Resource(DelegationProposalView p) => new(p.Id, p.Status, p.ProposerKeyId, p.TargetKeyId,
        p.GrantorKeyId, p.GranteeKeyId, p.PreviousProposalId, p.NextProposalId, p.Terms.Actions, Limits(p.Terms.Limits), p.Terms.DurationHours,
        p.Message, p.Round, p.ExpiresAt, p.CreatedAt, p.ResolvedAt, p.Reason, p.DelegationId,
        [.. p.History.Select(r => new DelegationProposalRoundRecord(r.Id, r.Round, r.ProposerKeyId, r.Terms.Actions, Limits(r.Terms.Limits),
            r.Terms.DurationHours, r.Message, r.CreatedAt))]);

    private static ProposedSpendingLimits Limits(DelegationLimits l) => new(l.PerTransaction, l.Daily, l.Monthly);

    /// <summary>The round's grain under the caller's partition (another tenant's id is not found).</summary>
    private static IDelegationProposalGrain Proposal(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDelegationProposalGrain>(DelegationProposals.Grain(http.Caller().Partition,
            ResourceRequests.RequireId(id, DelegationProposals.IdPrefix, "Delegation proposal")));
}
