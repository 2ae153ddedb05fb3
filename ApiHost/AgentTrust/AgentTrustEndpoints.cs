using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.AgentTrust;
using Grains.Interfaces.Tenants;

namespace ApiHost.AgentTrust;

/// <summary>
/// <c>/v1/agent-trust</c>: the calling key's trust (an admin key may name another with <c>?key_id=</c>),
/// <c>?action=history|locks</c>, and <c>POST ?key_id=&amp;action=set_level</c> (admin: a manual level, a floor under the
/// earned one, 4 being Verified Partner; null clears it). Levels, caps and the score: <see cref="TrustLevels"/>.
/// </summary>
public static class AgentTrustEndpoints
{
    private delegate Task<IResult> Query(HttpContext http, IGrainFactory grains, AgentTrustView trust);

    private static readonly ActionMap<Query> Queries = new ActionMap<Query>("GET")
        .Add("history", History, ActionDoc.Of<AgentTrustHistoryData>("listAgentTrustHistory", "A key's trust level changes, newest first", onResource: false))
        .Add("locks", Locks, ActionDoc.Of<AgentTrustLocksData>("listAgentTrustLocks", "A key's locked capabilities", onResource: false));

    private static readonly ActionMap<Query> Changes = new ActionMap<Query>("POST")
        .Add("set_level", SetLevel, ActionDoc.Of<TrustLevelBody, AgentTrustData>("setAgentTrustLevel",
            "Set an agent key's manual trust level (admin; `?key_id=`)", onResource: false), scope: "admin");

    public static void MapAgentTrustEndpoints(this IEndpointRouteBuilder app) => app.MapApi("agent-trust", group =>
    {
        group.MapGet("", Get).RequireScope("trust:read").WithMetadata(Queries.QueryStyle("action"))
            .Operation<AgentTrustData>("getAgentTrust", "The calling key's trust level, score, cap and capabilities",
                description: "An admin key may name another key with `?key_id=`.");
        Queries.MapPathStyle(group, "GET", "trust:read",
            handler => async (HttpContext http, IGrainFactory grains) => await handler(http, grains, await Of(http, grains).Get()), idempotent: false);
        // Its only action is documented path-style (setAgentTrustLevel).
        group.MapPost("", Post).RequireScope("trust:write", Changes.Scopes).ExcludeFromDescription();
        Changes.MapPathStyle(group, "POST", "trust:write",
            handler => async (HttpContext http, IGrainFactory grains) => await handler(http, grains, await Of(http, grains).Get()), idempotent: false);
    });

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? action)
    {
        var trust = await Of(http, grains).Get();
        return string.IsNullOrEmpty(action) ? ApiResults.Ok(AgentTrustContract.View(trust)) : await Queries.Find(action)(http, grains, trust);
    }

    private static async Task<IResult> Post(HttpContext http, IGrainFactory grains, string? action) =>
        await Changes.Find(string.IsNullOrEmpty(action) ? "" : action)(http, grains, await Of(http, grains).Get());

    private static Task<IResult> History(HttpContext http, IGrainFactory grains, AgentTrustView trust)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var paging = ListPaging.Read(query);
        query.ThrowIfInvalid();
        var newest = trust.History.Reverse().ToList();
        var rows = newest.Skip(paging.Offset).Take(paging.Limit).Select(AgentTrustContract.Change).ToList();
        return Task.FromResult<IResult>(ApiResults.Ok(new AgentTrustHistoryData(rows, ListResponse.Page(newest.Count, paging, rows.Count), trust.KeyId)));
    }

    private static Task<IResult> Locks(HttpContext http, IGrainFactory grains, AgentTrustView trust) =>
        Task.FromResult<IResult>(ApiResults.Ok(new AgentTrustLocksData(trust.KeyId, AgentTrustContract.Locks(trust))));

    private static async Task<IResult> SetLevel(HttpContext http, IGrainFactory grains, AgentTrustView trust)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, http.RequestAborted));
        var level = fields.Integer("level", min: 0, max: TrustLevels.Max);
        if (!fields.Has("level"))
        {
            fields.Fail("level", "required", "level is required: 0-4 (a floor under the earned level; 4 is Verified Partner) or null to clear it");
        }
        var reason = fields.String("reason", maxLength: 500);
        fields.ThrowIfInvalid();
        var changed = await Of(http, grains).SetManualLevel(level, reason, http.Caller().KeyId);
        return ApiResults.Ok(AgentTrustContract.View(changed));
    }

    /// <summary>
    /// The trust grain of the calling key, or (admin keys only) of <c>?key_id=</c>: an agent key (<c>key_agent_...</c>)
    /// of the caller's tenant and environment, else 404.
    /// </summary>
    private static IAgentTrustGrain Of(HttpContext http, IGrainFactory grains)
    {
        var caller = http.Caller();
        var keyId = http.Request.Query["key_id"].ToString();
        if (keyId.Length == 0 || keyId == caller.KeyId)
        {
            return grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(caller.Partition, caller.KeyId));
        }
        if (!caller.Has("admin"))
        {
            throw new ApiException(ApiError.InsufficientScope("admin"));
        }
        return TrustLevels.IsAgentKey(keyId)
            ? grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(caller.Partition, keyId))
            : throw new ApiException(ApiError.NotFound("No agent key with this id (agent keys are key_agent_...)"));
    }
}

/// <summary>The trust view as the document shows it.</summary>
public static class AgentTrustContract
{
    public static AgentTrustData View(AgentTrustView t)
    {
        var level = t.Level;
        var locked = t.Locks.Select(l => l.Capability).ToHashSet(StringComparer.Ordinal);
        return new AgentTrustData(t.KeyId, TrustLevels.IsAgentKey(t.KeyId), level, TrustLevels.Labels[level], t.Score, TrustLevels.Caps[level],
            [.. TrustLevels.Capabilities[level].Where(c => !locked.Contains(c))], [.. locked],
            level >= 3 ? null : new NextTrustLevel(level + 1, TrustLevels.Labels[level + 1], TrustLevels.ScoreNeeded[level + 1]), t.ManualLevel,
            TrustLevels.RateMultipliers[level], new TrustStatistics(t.DealsCompleted, t.DealsFailed, t.TotalDealValue));
    }

    public static AgentTrustChangeRecord Change(AgentTrustChange c) => new(c.FromLevel, c.ToLevel, TrustLevels.Labels[c.FromLevel],
        TrustLevels.Labels[c.ToLevel], c.Score, c.Reason, c.ChangedBy, c.ChangedAt);

    public static IReadOnlyList<AgentTrustLockRecord> Locks(AgentTrustView t) =>
        [.. t.Locks.Select(l => new AgentTrustLockRecord(l.Capability, l.Reason, l.LockedAt, l.ExpiresAt))];
}
