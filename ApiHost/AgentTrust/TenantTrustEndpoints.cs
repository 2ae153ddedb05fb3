using ApiHost.Api;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.AgentTrust;

namespace ApiHost.AgentTrust;

/// <summary>
/// <c>GET /v1/trust</c>: the tenant's trust level, score, auto top-up ceiling and next level (for the caller's
/// partition), <c>?action=history</c> its level changes, newest first. Levels and the score: <see cref="TenantTrustLevels"/>.
/// </summary>
public static class TenantTrustEndpoints
{
    private delegate Task<IResult> Query(HttpContext http, TenantTrustView trust);

    private static readonly ActionMap<Query> Queries = new ActionMap<Query>("GET")
        .Add("history", History, ActionDoc.Of<TenantTrustHistoryData>("listTenantTrustHistory", "The tenant's trust level changes, newest first",
            onResource: false));

    /// <summary>Maps the routes on the <c>/v1/trust</c> group.</summary>
    public static void Map(RouteGroupBuilder trust)
    {
        trust.MapGet("", Get).RequireScope("trust:read").WithMetadata(Queries.QueryStyle("action"))
            .Operation<TenantTrustData>("getTenantTrust", "The tenant's trust level, score and auto top-up ceiling");
        Queries.MapPathStyle(trust, "GET", "trust:read",
            handler => async (HttpContext http, IGrainFactory grains) => await handler(http, await Of(http, grains).Evaluate()), idempotent: false);
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string? action)
    {
        var trust = await Of(http, grains).Evaluate();
        return string.IsNullOrEmpty(action) ? ApiResults.Ok(View(trust)) : await Queries.Find(action)(http, trust);
    }

    private static Task<IResult> History(HttpContext http, TenantTrustView trust)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var paging = ListPaging.Read(query);
        query.ThrowIfInvalid();
        var newest = trust.History.Reverse().ToList();
        var rows = newest.Skip(paging.Offset).Take(paging.Limit)
            .Select(c => new TenantTrustChangeRecord(c.FromLevel, c.ToLevel, c.Score, c.Reason, c.ChangedAt)).ToList();
        return Task.FromResult<IResult>(ApiResults.Ok(new TenantTrustHistoryData(rows, ListResponse.Page(newest.Count, paging, rows.Count))));
    }

    public static TenantTrustData View(TenantTrustView t)
    {
        var index = TenantTrustLevels.Names.ToList().IndexOf(t.Level);
        var next = index + 1 < TenantTrustLevels.Names.Count ? index + 1 : (int?)null;
        return new TenantTrustData(t.Level, t.Score, TenantTrustLevels.AutoTopupCeilings[index], next is { } n ? TenantTrustLevels.Names[n] : null,
            next is { } s ? TenantTrustLevels.ScoreNeeded[s] : null,
            new TenantTrustStatistics(t.DealsClosed, t.DealsCancelled, t.DealsExpired, t.TenantAgeDays), t.EvaluatedAt);
    }

    private static ITenantTrustGrain Of(HttpContext http, IGrainFactory grains) =>
        grains.GetGrain<ITenantTrustGrain>(TenantTrustLevels.Grain(http.Caller().Partition));
}
