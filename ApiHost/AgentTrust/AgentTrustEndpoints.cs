using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
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
        .Add("history", History)
        .Add("locks", Locks);

    private static readonly ActionMap<Query> Changes = new ActionMap<Query>("POST")
        .Add("set_level", SetLevel, scope: "admin");

    public static void MapAgentTrustEndpoints(this IEndpointRouteBuilder app) => app.MapApi("agent-trust", group =>
    {
        group.MapGet("", Get).RequireScope("trust:read");
        group.MapPost("", Post).RequireScope("trust:write", Changes.Scopes);
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
        JsonArray rows = [.. newest.Skip(paging.Offset).Take(paging.Limit).Select(c => (JsonNode)AgentTrustContract.Change(c))];
        var data = ListResponse.Build("history", rows, newest.Count, paging);
        data["key_id"] = trust.KeyId;
        return Task.FromResult<IResult>(ApiResults.Ok(data));
    }

    private static Task<IResult> Locks(HttpContext http, IGrainFactory grains, AgentTrustView trust) =>
        Task.FromResult<IResult>(ApiResults.Ok(new JsonObject { ["key_id"] = trust.KeyId, ["locks"] = AgentTrustContract.Locks(trust) }));

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
    public static JsonObject View(AgentTrustView t)
    {
        var level = t.Level;
        var locked = t.Locks.Select(l => l.Capability).ToHashSet(StringComparer.Ordinal);
        return new JsonObject
        {
            ["key_id"] = t.KeyId,
            ["agent_key"] = TrustLevels.IsAgentKey(t.KeyId),
            ["trust_level"] = level,
            ["trust_label"] = TrustLevels.Labels[level],
            ["score"] = t.Score,
            ["transaction_cap"] = TrustLevels.Caps[level],
            ["capabilities"] = new JsonArray([.. TrustLevels.Capabilities[level].Where(c => !locked.Contains(c)).Select(c => JsonValue.Create(c))]),
            ["locked_capabilities"] = new JsonArray([.. locked.Select(c => JsonValue.Create(c))]),
            ["next_level"] = level >= 3 ? null : new JsonObject
            {
                ["level"] = level + 1,
                ["label"] = TrustLevels.Labels[level + 1],
                ["score_needed"] = TrustLevels.ScoreNeeded[level + 1],
            },
            ["manual_level"] = t.ManualLevel,
            ["rate_limit_multiplier"] = TrustLevels.RateMultipliers[level],
            ["statistics"] = new JsonObject
            {
                ["deals_completed"] = t.DealsCompleted,
                ["deals_failed"] = t.DealsFailed,
                ["total_deal_value"] = t.TotalDealValue,
            },
        };
    }

    public static JsonObject Change(AgentTrustChange c) => new()
    {
        ["from_level"] = c.FromLevel,
        ["to_level"] = c.ToLevel,
        ["from_label"] = TrustLevels.Labels[c.FromLevel],
        ["to_label"] = TrustLevels.Labels[c.ToLevel],
        ["score"] = c.Score,
        ["reason"] = c.Reason,
        ["changed_by"] = c.ChangedBy,
        ["changed_at"] = c.ChangedAt,
    };

    public static JsonArray Locks(AgentTrustView t) => [.. t.Locks.Select(l => (JsonNode)new JsonObject
    {
        ["capability"] = l.Capability,
        ["reason"] = l.Reason,
        ["locked_at"] = l.LockedAt,
        ["expires_at"] = l.ExpiresAt,
    })];
}
