using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>
/// SAM's route forms, served beside <c>/v1/campaigns</c>: <c>/api/campaigns</c> with SAM's field names and its
/// collection-level actions that carry the campaign's id in the body. Same grain calls, same envelope and API keys.
/// </summary>
public static class SamCampaignEndpoints
{

    public static void MapSamCampaignEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/campaigns").WithTags("sam-campaigns");
        group.MapPost("", Create).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<SamCampaignBody, SamCampaign>("createSamCampaign", "Create a campaign from SAM's fields (a draft)", 201);
        group.MapGet("", List).RequireScope(CampaignEndpoints.Read).ListQuery([], CampaignKeys.Statuses, shaped: false)
            .Operation<SamCampaignList>("listSamCampaigns", "List campaigns with prospect and contacted counts",
                description: "`workspace_id` other than the caller's own answers an empty list.");
        group.MapGet("{id}", Get).RequireScope(CampaignEndpoints.Read)
            .Operation<SamCampaign>("getSamCampaign", "A campaign with its message templates, prospects and metrics",
                description: "`prospects`: the first 100 enrolled (by enrolment time) with SAM's status; `metrics.total_prospects` counts them all.");
        group.MapPut("{id}", Update).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<SamCampaignBody, SamCampaign>("updateSamCampaign", "Rename a campaign or change its message templates",
                description: "Enrolled prospects keep their position; a template set to null removes its step.");
        group.MapDelete("{id}", Delete).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<ResourceDeleted>("deleteSamCampaign", "Delete a campaign that is not active");
        group.MapPost("activate", (HttpContext http, IGrainFactory grains, CancellationToken ct) => Act(http, grains, "activate", ct))
            .RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<SamActivateBody, SamCampaign>("activateSamCampaign", "Activate a campaign (campaign_id in the body)");
        group.MapPost("pause", (HttpContext http, IGrainFactory grains, CancellationToken ct) => Act(http, grains, "pause", ct))
            .RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<SamCampaignIdBody, SamCampaign>("pauseSamCampaign", "Pause a campaign (campaign_id in the body)",
                description: "No new steps go out; a send already handed to its channel finishes.");
        group.MapPost("clone", Clone).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<SamCloneBody, SamCampaign>("cloneSamCampaign", "Copy a campaign into a new draft (no prospects)", 201);
        group.MapPost("schedule", Schedule).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<SamScheduleBody, SamCampaign>("scheduleSamCampaign", "Set scheduled_start / scheduled_end (campaign_id in the body)");
    }

    private static async Task<IResult> Create(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var campaign = await CampaignEndpoints.New(http, grains, SamCampaigns.Read(await RequestBody.ReadObjectAsync(http.Request, ct), current: null));
        return ApiResults.Created(Shape(http, campaign), campaign.Version);
    }

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var query = ListRequest.Parse(http.Request, [], CampaignKeys.Statuses);
        var workspace = http.Request.Query["workspace_id"].ToString();
        var page = workspace.Length > 0 && workspace != http.Caller().TenantId
            ? new Grains.Interfaces.Projections.ListPage<CampaignView>([], 0, null, null, false)
            : await grains.GetGrain<ICampaignDirectoryGrain>(http.Caller().Partition).List(query, ct);
        var items = (await CampaignEndpoints.WithMetrics(http, grains, page.Items))
            .Select(m => new SamCampaignSummary(m.View.Id, m.View.Name, m.View.Status, m.Metrics.TotalProspects, m.Metrics.Contacted, m.View.CreatedAt));
        return ApiResults.Ok(new SamCampaignList([.. items], page.Total, query.Limit == 0 ? 0 : query.Offset / query.Limit, query.Limit, query.Offset));
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var grain = CampaignEndpoints.Campaign(http, grains, id);
        var campaign = await grain.Get(ct);
        var metrics = await grain.Metrics();
        return ApiResults.Ok(Shape(http, campaign, metrics, await grain.Prospects(SamCampaigns.ProspectsShown)), campaign.Version);
    }

    /// <summary>PUT merges the templates into the current steps: written at the version read, so a concurrent edit is a 412, never lost.</summary>
    private static async Task<IResult> Update(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var grain = CampaignEndpoints.Campaign(http, grains, id);
        var body = await RequestBody.ReadObjectAsync(http.Request, ct);
        var current = await grain.Get(ct);
        var changes = SamCampaigns.Read(body, current.Steps);
        var campaign = await ResourceRequests.WithCurrentOnStale(() => grain.Update(changes, current.Version),
            async () => Shape(http, await grain.Get()));
        return ApiResults.Ok(Shape(http, campaign), campaign.Version);
    }

    private static async Task<IResult> Delete(HttpContext http, IGrainFactory grains, string id)
    {
        await CampaignEndpoints.Campaign(http, grains, id).Delete(null);
        return ApiResults.Ok(new ResourceDeleted(id, true));
    }

    /// <summary>
    /// <c>activate</c> or <c>pause</c>. <c>start_immediately</c> is read (a boolean) but changes nothing: activating
    /// starts at once, except that a future <c>scheduled_start</c> holds the first sends either way.
    /// </summary>
    private static async Task<IResult> Act(HttpContext http, IGrainFactory grains, string action, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var id = fields.String("campaign_id", required: true, maxLength: 64);
        fields.Boolean("start_immediately");
        fields.ThrowIfInvalid();
        return Answer(http, await CampaignEndpoints.Campaign(http, grains, id).Act(action, null));
    }

    private static async Task<IResult> Clone(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var source = fields.String("source_campaign_id", required: true, maxLength: 64);
        var name = fields.String("new_campaign_name");
        fields.ThrowIfInvalid();
        var campaign = await CampaignEndpoints.Campaign(http, grains, source)
            .Clone(KeyedIds.New(http, CampaignKeys.IdPrefix), FieldReader.Blank(name));
        return ApiResults.Created(Shape(http, campaign), campaign.Version);
    }

    private static async Task<IResult> Schedule(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var id = fields.String("campaign_id", required: true, maxLength: 64);
        var (start, end) = CampaignEndpoints.ScheduleTimes(fields);
        fields.ThrowIfInvalid();
        return Answer(http, await CampaignEndpoints.Campaign(http, grains, id).Schedule(start, end, null));
    }

    private static IResult Answer(HttpContext http, CampaignView campaign) => ApiResults.Ok(Shape(http, campaign), campaign.Version);

    private static SamCampaign Shape(HttpContext http, CampaignView campaign, CampaignMetrics? metrics = null,
        IReadOnlyList<CampaignProspect>? prospects = null) =>
        SamCampaigns.Campaign(campaign, http.Caller().TenantId, metrics, prospects);
}
