using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Delegations;
using Grains.Interfaces.Projections;

namespace ApiHost.Delegations;

/// <summary>
/// <c>/v1/delegations</c>: list the delegations the caller granted (or one with <c>?id=</c>),
/// <c>?action=verify|check|spending|summary|pending|activity|analytics|proposal</c>, <c>POST ?id=&amp;action=approve|reject</c>,
/// create (a child of the caller's own delegation when the request carries <c>X-Delegation-ID</c>), <c>PUT</c> to narrow,
/// <c>DELETE</c> to revoke; the proposal flow under <c>/proposals</c> (<see cref="DelegationProposalEndpoints"/>). The rules (chain bounds, narrowing, spending) are the delegation grain's.
/// </summary>
public static class DelegationEndpoints
{
    private delegate Task<IResult> QueryHandler(HttpContext http, IGrainFactory grains, string? id, TimeProvider time);

    private static readonly ActionMap<QueryHandler> Queries = new ActionMap<QueryHandler>("GET")
        .Add("verify", Verify, ActionDoc.Of<DelegationVerification>("verifyDelegation", "Whether a delegation is valid now, and its spending"))
        .Add("check", Check, ActionDoc.Of<DelegationVerification>("checkOwnDelegation", "The calling key's own delegation",
            description: "The one named by X-Delegation-ID, else the newest active one granted to the key.", onResource: false))
        .Add("spending", Spending, ActionDoc.Of<DelegationSpendingData>("getDelegationSpending", "A delegation's spending against its caps"))
        .Add("summary", Summary, ActionDoc.Of<DelegationSummaryData>("summarizeDelegations", "Active delegations and their budget use", onResource: false))
        .Add("pending", Pending, ActionDoc.Of<DelegationPendingList>("listPendingDelegationApprovals", "Delegations with approvals waiting", onResource: false))
        .Add("activity", Activity, ActionDoc.Of<DelegationActivityData>("listDelegationActivity", "A delegation's activity"))
        .Add("analytics", Analytics, ActionDoc.Of<DelegationAnalyticsData>("getDelegationAnalytics", "A delegation's deals and spending over time"))
        .Add("proposal", DelegationProposalEndpoints.Read, ActionDoc.Of<DelegationProposalResource>("getDelegationProposal",
            "A delegation proposal round (`id=dprop_...`) with its earlier rounds"));

    private delegate Task<IResult> PostHandler(HttpContext http, IGrainFactory grains, string? id, CancellationToken ct);

    /// <summary>The grantor's decision on a transaction held above <c>approval_threshold</c> (modelled on the agent-workflow approve/reject).</summary>
    private static readonly ActionMap<PostHandler> Decisions = new ActionMap<PostHandler>("POST")
        .Add("approve", (http, grains, id, ct) => Decide(http, grains, id, approve: true, ct),
            ActionDoc.Of<DelegationDecisionBody, DelegationDecisionData>("approveDelegatedTransaction", "Approve a transaction held above approval_threshold"))
        .Add("reject", (http, grains, id, ct) => Decide(http, grains, id, approve: false, ct),
            ActionDoc.Of<DelegationDecisionBody, DelegationDecisionData>("rejectDelegatedTransaction", "Reject a held transaction (its deal is cancelled)"));

    public static void MapDelegationEndpoints(this IEndpointRouteBuilder app) => app.MapApi("delegations", group =>
    {
        group.MapGet("", Get).RequireScope("delegations:read").WithMetadata(Queries.QueryStyle("action"))
            .Operation<DelegationList>("listDelegations", "List the delegations the caller granted",
                description: "With `?id=` answers one delegation (the delegation object itself, as getDelegation).")
            .ListQuery(["grantee_key_id"], DelegationKeys.Statuses);
        group.MapGet("{id}", (HttpContext http, IGrainFactory grains, string id, TimeProvider time, CancellationToken ct) =>
                Get(http, grains, id, null, time, ct))
            .RequireScope("delegations:read").Operation<DelegationResource>("getDelegation", "Get a delegation", description: "Also served as `GET ?id={id}`.");
        Queries.MapPathStyle(group, "GET", "delegations:read",
            handler => (HttpContext http, IGrainFactory grains, string? id, TimeProvider time) => handler(http, grains, id, time), idempotent: false);
        group.MapPost("", Post).RequireScope("delegations:write").WithIdempotency().WithMetadata(Decisions.QueryStyle("id", "action"))
            .Operation<DelegationInput, DelegationResource>("createDelegation", "Delegate spending authority to an agent key", 201);
        Decisions.MapPathStyle(group, "POST", "delegations:write",
            handler => (HttpContext http, IGrainFactory grains, string? id, CancellationToken ct) => handler(http, grains, id, ct));
        group.MapPut("", Narrow).RequireScope("delegations:write").WithIdempotency()
            .Operation<DelegationNarrowBody, DelegationResource>("narrowDelegation", "Narrow a delegation (`?id=`); widening is refused");
        group.MapDelete("", Revoke).RequireScope("delegations:write").WithIdempotency()
            .Operation<DelegationResource>("revokeDelegation", "Revoke a delegation (`?id=`) and every delegation below it");
        DelegationProposalEndpoints.Map(group);
    });

    /// <summary>The <c>X-Delegation-ID</c> a request acts under: null when absent; a malformed one is 400.</summary>
    public static string? HeaderId(HttpContext http)
    {
        var value = http.Request.Headers[DelegationKeys.Header].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        return ResourceRequests.IsWellFormedId(value, DelegationKeys.IdPrefix)
            ? value
            : throw new ApiException(ApiError.BadRequest($"{DelegationKeys.Header} must be a delegation id (del_...)",
                new { header = DelegationKeys.Header }));
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? id, string? action, TimeProvider time, CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(action))
        {
            return await Queries.Find(action)(http, grains, id, time);
        }
        if (!string.IsNullOrEmpty(id))
        {
            var one = await Delegation(http, grains, id).Get();
            return ApiResults.Ok(DelegationContract.ToJson(one, time.GetUtcNow()), one.Version);
        }
        var caller = http.Caller();
        var query = ListRequest.Parse(http.Request, ["grantee_key_id"], DelegationKeys.Statuses);
        var page = await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition).ListGranted(query, caller.KeyId, caller.Has("admin"), ct);
        var now = time.GetUtcNow();
        var items = new ListPage<JsonObject>([.. page.Items.Select(d => DelegationContract.ToJson(d, now))], page.Total, page.NextCursor,
            page.PrevCursor, page.HasMore);
        return ApiResults.Ok(ListResponse.Build("delegations", items, query, ListShape.Parse(http.Request)));
    }

    private static async Task<IResult> Verify(HttpContext http, IGrainFactory grains, string? id, TimeProvider time) =>
        ApiResults.Ok(DelegationContract.Verify(await Delegation(http, grains, id).Get(), time.GetUtcNow(), check: false));

    /// <summary>The caller's own delegation: the one named by <c>X-Delegation-ID</c>, else the newest active one granted to its key.</summary>
    private static async Task<IResult> Check(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var caller = http.Caller();
        var own = await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition).Own(caller.KeyId, HeaderId(http));
        return ApiResults.Ok(DelegationContract.Verify(own, time.GetUtcNow(), check: true));
    }

    private static async Task<IResult> Spending(HttpContext http, IGrainFactory grains, string? id, TimeProvider time) =>
        ApiResults.Ok(DelegationContract.Spending(await Delegation(http, grains, id).Get()));

    /// <summary><c>action=summary</c> over the delegations the caller granted (an admin key: the partition's).</summary>
    private static async Task<IResult> Summary(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var caller = http.Caller();
        var summary = await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition).Summary(caller.KeyId, caller.Has("admin"));
        return ApiResults.Ok(new DelegationSummaryData(summary.ActiveCount, summary.PendingApprovals, summary.DailyBudgetUsedPct,
            summary.MonthlyBudgetUsedPct));
    }

    private static Task<IResult> Post(HttpContext http, IGrainFactory grains, string? id, string? action, TimeProvider time, CancellationToken ct) =>
        string.IsNullOrEmpty(action) ? Create(http, grains, time, ct) : Decisions.Find(action)(http, grains, id, ct);

    private static async Task<IResult> Decide(HttpContext http, IGrainFactory grains, string? id, bool approve, CancellationToken ct)
    {
        var grain = Delegation(http, grains, id);
        var (dealId, note) = DelegationApprovalContract.ReadDecision(await RequestBody.ReadObjectAsync(http.Request, ct), approve);
        var caller = http.Caller();
        var delegation = await grain.Decide(new DelegationDecision(dealId, approve, note, caller.KeyId, caller.Has("admin")));
        var decided = delegation.Approvals.First(a => a.DealId == dealId);
        return ApiResults.Ok(new DelegationDecisionData(id!, DelegationApprovalContract.Approval(decided)));
    }

    /// <summary><c>action=pending</c>: the delegations the caller granted (an admin key: the partition's) with approvals waiting.</summary>
    private static async Task<IResult> Pending(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var query = ListRequest.Parse(http.Request, []);
        var caller = http.Caller();
        var waiting = await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition)
            .PendingApprovals(caller.KeyId, caller.Has("admin"), query.Limit, query.Offset);
        var rows = waiting.Items.Select(DelegationApprovalContract.Pending).ToList();
        return ApiResults.Ok(new DelegationPendingList(rows, ListResponse.Page(waiting.Total, new ListPaging(query.Limit, query.Offset), rows.Count)));
    }

    private static async Task<IResult> Activity(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var grain = Delegation(http, grains, id);
        var query = DelegationApprovalContract.ReadActivity(http.Request);
        return ApiResults.Ok(DelegationApprovalContract.Activity(await grain.Activity(query), query));
    }

    private static async Task<IResult> Analytics(HttpContext http, IGrainFactory grains, string? id, TimeProvider time) =>
        ApiResults.Ok(DelegationApprovalContract.Analytics(await Delegation(http, grains, id).Analytics()));

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, TimeProvider time, CancellationToken ct)
    {
        var caller = http.Caller();
        var grant = DelegationContract.ReadCreate(await RequestBody.ReadObjectAsync(http.Request, ct), caller.KeyId, caller.Environment, HeaderId(http));
        // The grain checks the grant against the grantor key's own scopes and trust level.
        var id = KeyedIds.New(http, DelegationKeys.IdPrefix);
        var created = await Delegation(http, grains, id).Create(grant);
        return ApiResults.Created(DelegationContract.ToJson(created, time.GetUtcNow()), created.Version);
    }

    private static async Task<IResult> Narrow(HttpContext http, IGrainFactory grains, string? id, TimeProvider time, CancellationToken ct)
    {
        var grain = Delegation(http, grains, id);
        var changes = DelegationContract.ReadNarrowing(await RequestBody.ReadObjectAsync(http.Request, ct));
        var caller = http.Caller();
        var narrowed = await grain.Narrow(changes, caller.KeyId, caller.Has("admin"));
        return ApiResults.Ok(DelegationContract.ToJson(narrowed, time.GetUtcNow()), narrowed.Version);
    }

    private static async Task<IResult> Revoke(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var caller = http.Caller();
        var revoked = await Delegation(http, grains, id).Revoke(caller.KeyId, caller.Has("admin"));
        return ApiResults.Ok(DelegationContract.ToJson(revoked, time.GetUtcNow()), revoked.Version);
    }

    /// <summary>The caller's delegation: its grain lives under the caller's partition, so other tenants' ids are not found.</summary>
    private static IDelegationGrain Delegation(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(http.Caller().Partition,
            ResourceRequests.RequireId(id, DelegationKeys.IdPrefix, "Delegation")));
}
