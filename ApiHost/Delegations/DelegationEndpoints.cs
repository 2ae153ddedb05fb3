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
/// <c>/v1/delegations</c>: list the delegations the caller granted (or one with <c>?id=</c>), <c>?action=verify|check|spending</c>,
/// create (a child of the caller's own delegation when the request carries <c>X-Delegation-ID</c>), <c>PUT</c> to narrow,
/// <c>DELETE</c> to revoke. The rules (chain bounds, narrowing, spending) are the delegation grain's.
/// </summary>
public static class DelegationEndpoints
{
    private delegate Task<IResult> QueryHandler(HttpContext http, IGrainFactory grains, string? id, TimeProvider time);

    private static readonly ActionMap<QueryHandler> Queries = new ActionMap<QueryHandler>("GET")
        .Add("verify", Verify, ActionDoc.Of<JsonObject>("verifyDelegation", "Whether a delegation is valid now, with its chain"))
        .Add("check", Check, ActionDoc.Of<JsonObject>("checkOwnDelegation", "The calling key's own delegation", onResource: false))
        .Add("spending", Spending, ActionDoc.Of<JsonObject>("getDelegationSpending", "A delegation's spending against its caps"))
        .Add("summary", Summary, ActionDoc.Of<JsonObject>("summarizeDelegations", "Active delegations and their spending", onResource: false));

    public static void MapDelegationEndpoints(this IEndpointRouteBuilder app) => app.MapApi("delegations", group =>
    {
        group.MapGet("", Get).RequireScope("delegations:read").WithMetadata(Queries.QueryStyle("action"))
            .Operation<JsonObject>("listDelegations", "List the delegations the caller granted", description: "With `?id=` answers one delegation.");
        Queries.MapPathStyle(group, "GET", "delegations:read",
            handler => (HttpContext http, IGrainFactory grains, string? id, TimeProvider time) => handler(http, grains, id, time), idempotent: false);
        group.MapPost("", Create).RequireScope("delegations:write").WithIdempotency()
            .Operation<JsonObject, JsonObject>("createDelegation", "Delegate spending authority to an agent key", 201);
        group.MapPut("", Narrow).RequireScope("delegations:write").WithIdempotency()
            .Operation<JsonObject, JsonObject>("narrowDelegation", "Narrow a delegation (`?id=`); widening is refused");
        group.MapDelete("", Revoke).RequireScope("delegations:write").WithIdempotency()
            .Operation<JsonObject>("revokeDelegation", "Revoke a delegation (`?id=`) and every delegation below it");
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
        query = query with { Filters = Granted(http, query.Filters) };
        var page = await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition).List(query, ct);
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
        var now = time.GetUtcNow();
        DelegationView? own = null;
        if (HeaderId(http) is { } headerId)
        {
            own = await Delegation(http, grains, headerId).Get();
            own = own.GranteeKeyId == caller.KeyId ? own : null;
        }
        else
        {
            var query = new ListQuery(Limit: 1, Status: DelegationKeys.Active,
                Filters: new Dictionary<string, string> { ["grantee_key_id"] = caller.KeyId });
            if ((await grains.GetGrain<IDelegationDirectoryGrain>(caller.Partition).List(query)).Items is [var newest, ..])
            {
                own = await Delegation(http, grains, newest.Id).Get();
            }
        }
        return own is null
            ? throw new ApiException(ApiError.NotFound("No delegation is granted to this API key"))
            : ApiResults.Ok(DelegationContract.Verify(own, now, check: true));
    }

    private static async Task<IResult> Spending(HttpContext http, IGrainFactory grains, string? id, TimeProvider time) =>
        ApiResults.Ok(DelegationContract.Spending(await Delegation(http, grains, id).Get()));

    /// <summary>
    /// <c>action=summary</c> over the delegations the caller granted (an admin key: the partition's), from the list
    /// projection: active count, pending approvals (none: an amount above <c>approval_threshold</c> is refused, never
    /// held) and spent + reserved against the summed daily and monthly caps of the active ones, in whole percent.
    /// </summary>
    private static async Task<IResult> Summary(HttpContext http, IGrainFactory grains, string? id, TimeProvider time)
    {
        var directory = grains.GetGrain<IDelegationDirectoryGrain>(http.Caller().Partition);
        var filters = Granted(http, null);
        var now = time.GetUtcNow();
        List<DelegationView> active = [];
        for (var offset = 0; ; offset += ListPaging.MaxLimit)
        {
            var page = await directory.List(new ListQuery(Limit: ListPaging.MaxLimit, Offset: offset, Status: DelegationKeys.Active, Filters: filters));
            active.AddRange(page.Items.Where(d => d.StatusAt(now) == DelegationKeys.Active));
            if (!page.HasMore)
            {
                break;
            }
        }
        return ApiResults.Ok(DelegationContract.Summary(active, now));
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, TimeProvider time, CancellationToken ct)
    {
        var caller = http.Caller();
        var grant = DelegationContract.ReadCreate(await RequestBody.ReadObjectAsync(http.Request, ct), caller.KeyId, caller.Environment, HeaderId(http));
        // Downward only: a key delegates no action it does not hold itself.
        var beyond = grant.AllowedActions.Where(a => !caller.Has(a)).ToList();
        if (beyond.Count > 0)
        {
            throw new ApiException(new ApiError(403, "authorization_error.delegation_exceeds_grantor", "authorization_error",
                $"This API key cannot delegate what it does not hold: {string.Join(", ", beyond)}",
                new Recovery("check_permissions", false, "Delegate only actions within this key's own scopes."),
                new { fields = new[] { "allowed_actions" }, actions = beyond }));
        }
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

    /// <summary>The list filters for the delegations the caller granted; an admin key sees the partition's.</summary>
    private static IReadOnlyDictionary<string, string>? Granted(HttpContext http, IReadOnlyDictionary<string, string>? filters)
    {
        var caller = http.Caller();
        return caller.Has("admin")
            ? filters
            : new Dictionary<string, string>(filters ?? new Dictionary<string, string>()) { ["grantor_key_id"] = caller.KeyId };
    }

    /// <summary>The caller's delegation: its grain lives under the caller's partition, so other tenants' ids are not found.</summary>
    private static IDelegationGrain Delegation(HttpContext http, IGrainFactory grains, string? id) =>
        grains.GetGrain<IDelegationGrain>(DelegationKeys.Grain(http.Caller().Partition,
            ResourceRequests.RequireId(id, DelegationKeys.IdPrefix, "Delegation")));
}
