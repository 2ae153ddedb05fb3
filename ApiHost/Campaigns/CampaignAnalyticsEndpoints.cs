using System.Globalization;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>4Runr's <c>GET /v1/analytics/campaigns</c> (every campaign's metrics) and <c>GET /v1/automation/status</c> (the dispatch cycles).</summary>
public static class CampaignAnalyticsEndpoints
{

    public static void MapCampaignAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("analytics", group => group.MapGet("campaigns", Campaigns).RequireScope(CampaignEndpoints.Read)
            .ListQuery(["kind"], CampaignKeys.Statuses, shaped: false)
            .Operation<CampaignAnalyticsList>("getCampaignAnalytics", "Each campaign's contacted, connected, replied and success_rate"));
        app.MapApi("automation", group =>
        {
            group.MapGet("status", Status).RequireScope(CampaignEndpoints.Read)
                .Operation<AutomationStatusData>("getAutomationStatus", "The campaign engine's dispatch cycles",
                    description: "A cycle is one run of a campaign shard that found steps due; `next_cycle` is the earliest due step of an active campaign.");
            group.MapPost("trigger", Trigger).RequireScope(CampaignEndpoints.Write).WithIdempotency()
                .Operation<AutomationTriggerBody, AutomationTriggerData>("triggerAutomation", "Run a manual operation of the campaign engine",
                    description: "`run_campaigns` sends the due steps of every waiting campaign shard now (`parameters.limit` shards, earliest due first; " +
                        "`parameters.force` also wakes shards not due yet). `enrich_leads` is answered `skipped`: nothing enriches leads here.");
        });
    }

    private static async Task<IResult> Campaigns(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var query = ListRequest.Parse(http.Request, ["kind"], CampaignKeys.Statuses);
        var page = await grains.GetGrain<ICampaignDirectoryGrain>(http.Caller().Partition).List(query, ct);
        var measured = await CampaignEndpoints.WithMetrics(http, grains, page.Items);
        return ApiResults.Ok(new CampaignAnalyticsList(
            [.. measured.Select(m => new CampaignAnalyticsRecord(m.View.Id, m.View.Name, m.View.Kind, m.View.Status, CampaignContract.Metrics(m.View, m.Metrics)))],
            new Pagination(page.Total, query.Limit, query.Offset, page.Items.Count, page.HasMore, page.NextCursor, page.PrevCursor)));
    }

    private static async Task<IResult> Trigger(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var operation = fields.Enum("operation", AutomationOperations.All, required: true);
        var parameters = fields.Object("parameters", p => new TriggerParameters(
            p.Integer("limit", min: 1, max: AutomationOperations.MaxLimit), p.Boolean("force")));
        fields.ThrowIfInvalid();
        var run = await grains.GetGrain<ICampaignAutomationGrain>(http.Caller().Partition)
            .Trigger(operation!, parameters?.Limit, parameters?.Force ?? false);
        return ApiResults.Ok(new AutomationTriggerData(run.Operation, run.Status, run.ShardsRun, run.StepsDispatched, run.TriggeredAt, run.Message));
    }

    private sealed record TriggerParameters(int? Limit, bool? Force);

    private static async Task<IResult> Status(HttpContext http, IGrainFactory grains)
    {
        var s = await grains.GetGrain<ICampaignAutomationGrain>(http.Caller().Partition).Status();
        return ApiResults.Ok(new AutomationStatusData(s.Engine, s.LastCycle, s.NextCycle, s.CyclesCompleted,
            $"{s.AverageCycleSeconds.ToString("0.###", CultureInfo.InvariantCulture)}s", s.StepsDispatched, s.ShardsWaiting));
    }
}
