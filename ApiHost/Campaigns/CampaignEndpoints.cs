using System.Text.Json;
using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Projections;

namespace ApiHost.Campaigns;

/// <summary>
/// <c>/v1/campaigns</c> (and <c>/api/v1/...</c>): SAM/4Runr campaigns and SalesOS sequences as one resource, their
/// lifecycle actions, enrolment, the LinkedIn executor's reports and metrics; and SalesOS's
/// <c>POST /v1/contacts/{id}/sequence</c>. Outreach sends email, so the emails scopes guard it.
/// </summary>
public static class CampaignEndpoints
{
    internal const string Read = "emails:read";
    internal const string Write = "emails:write";

    private static readonly ResourceWrites<ICampaignGrain, CampaignFields, CampaignView, CampaignData> Writes = new(CampaignKeys.IdPrefix, "Campaign",
        CampaignKeys.Grain, (body, creating) => CampaignContract.ReadCampaign(body, creating), campaign => new CampaignData(CampaignContract.Resource(campaign)));

    public static void MapCampaignEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("campaigns", group =>
        {
            group.MapGet("", List).RequireScope(Read)
                .Operation<CampaignList>("listCampaigns", "List campaigns and sequences").ListQuery(["kind"], CampaignKeys.Statuses);
            group.MapGet("{id}", Get).RequireScope(Read)
                .Operation<CampaignData>("getCampaign", "Get a campaign with its metrics");
            group.MapPost("", Writes.Create).RequireScope(Write).WithIdempotency()
                .Operation<CampaignInput, CampaignData>("createCampaign", "Create a campaign or sequence (a draft)", 201);
            group.MapPatch("{id}", Writes.Update).RequireScope(Write).WithIdempotency()
                .Operation<CampaignPatch, CampaignData>("updateCampaign", "Edit a campaign (enrolled contacts keep their position)").IfMatch(required: false);
            group.MapDelete("{id}", Writes.Delete).RequireScope(Write).WithIdempotency()
                .Operation<ResourceDeleted>("deleteCampaign", "Delete a campaign that is not active").IfMatch(required: false);
            foreach (var action in CampaignKeys.Actions)
            {
                group.MapPost($"{{id}}/{action}", (HttpContext http, IGrainFactory grains, string id) => Act(http, grains, id, action))
                    .RequireScope(Write).WithIdempotency().IfMatch(required: false)
                    .Operation<CampaignData>($"{action}Campaign", $"{char.ToUpperInvariant(action[0])}{action[1..]} a campaign", description: Effect(action));
            }
            // 4Runr's verb for activate.
            group.MapPost("{id}/start", (HttpContext http, IGrainFactory grains, string id) => Act(http, grains, id, "activate"))
                .RequireScope(Write).WithIdempotency().ExcludeFromDescription();
            group.MapPost("{id}/schedule", Schedule).RequireScope(Write).WithIdempotency().IfMatch(required: false)
                .Operation<CampaignScheduleBody, CampaignData>("scheduleCampaign", "Set scheduled_start / scheduled_end",
                    description: "A draft becomes active and sends nothing before `scheduled_start`; at `scheduled_end` it completes.");
            group.MapPost("{id}/clone", Clone).RequireScope(Write).WithIdempotency()
                .Operation<CampaignCloneBody, CampaignData>("cloneCampaign", "Copy a campaign's definition into a new draft (no contacts)", 201);
            group.MapPost("{id}/contacts", Enrol).RequireScope(Write).WithIdempotency()
                .Operation<CampaignEnrolBody, EnrolmentCountsData>("enrolCampaignContacts", "Enrol contacts by id (at most 1000 a call)",
                    description: "A contact already enrolled counts in `duplicate_count`, an unknown one in `error_count`.");
            group.MapGet("{id}/contacts/{contactId}", GetEnrolment).RequireScope(Read)
                .Operation<EnrolmentData>("getCampaignContact", "A contact's position in the campaign and what was sent");
            group.MapDelete("{id}/contacts/{contactId}", Remove).RequireScope(Write).WithIdempotency()
                .Operation<EnrolmentData>("removeCampaignContact", "Stop the campaign for a contact",
                    description: "`?reason=meeting_booked` records a booked meeting; default `removed`.");
            group.MapPost("{id}/linkedin-reports", Report).RequireScope(Write).WithIdempotency()
                .Operation<LinkedinReportBody, EnrolmentData>("reportCampaignLinkedinStep",
                    "The LinkedIn executor reports a step: sent, failed, connected or replied",
                    description: "`replied` stops the contact in every campaign of the tenant.");
            group.MapGet("{id}/metrics", Metrics).RequireScope(Read)
                .Operation<CampaignMetricsData>("getCampaignMetrics", "Contacted, connected, replied and success_rate per campaign and step");
        });
        app.MapApi("sequences", group => group.MapPost("", CreateSequence).RequireScope(Write).WithIdempotency()
            .Operation<SequenceInput, CampaignResource>("createSequence", "Create a sequence (SalesOS): a campaign of kind sequence, as a draft", 201,
                description: "The answer is the campaign itself (`cmp_` id), usable as `sequence_id` and on every /v1/campaigns route."));
        app.MapApi("contacts", group => group.MapPost("{id}/sequence", EnrolContact).RequireScope(Write).WithIdempotency()
            .Operation<ContactSequenceBody, EnrolmentData>("enrolContactInSequence", "Add a contact to a sequence (campaign)", 201));
    }

    private static string Effect(string action) => action switch
    {
        "activate" => "Enrolled contacts start receiving steps inside the send window.",
        "pause" => "No new steps go out; a send already handed to its channel finishes.",
        "resume" => "Steps continue from each contact's position; overdue steps go out at the next window opening.",
        "complete" => "No more steps; contacts keep what they received.",
        _ => "Hidden from the default workflow; no more steps or contacts.",
    };

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var shape = ListShape.Parse(http.Request);
        var query = ListRequest.Parse(http.Request, ["kind"], CampaignKeys.Statuses);
        var page = await grains.GetGrain<ICampaignDirectoryGrain>(http.Caller().Partition).List(query, ct);
        return ApiResults.Ok(ListResponse.Build("campaigns",
            new ListPage<System.Text.Json.Nodes.JsonObject>([.. page.Items.Select(c => Wire.ToObject(CampaignContract.Resource(c)))],
                page.Total, page.NextCursor, page.PrevCursor, page.HasMore), query, shape));
    }

    private static async Task<IResult> Get(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var grain = Campaign(http, grains, id);
        var campaign = await grain.Get(ct);
        return ApiResults.Ok(new CampaignData(CampaignContract.Resource(campaign, await grain.Metrics())), campaign.Version);
    }

    /// <summary>SalesOS answers the sequence itself in <c>data</c> (<c>data.id</c>), not wrapped by name.</summary>
    private static async Task<IResult> CreateSequence(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var campaign = await New(http, grains,
            CampaignContract.ReadCampaign(await RequestBody.ReadObjectAsync(http.Request, ct), creating: true, sequence: true));
        return ApiResults.Created(CampaignContract.Resource(campaign), campaign.Version);
    }

    /// <summary>Creates a campaign under a new (or the Idempotency-Key's) <c>cmp_</c> id.</summary>
    internal static Task<CampaignView> New(HttpContext http, IGrainFactory grains, CampaignFields fields) =>
        grains.GetGrain<ICampaignGrain>(CampaignKeys.Grain(http.Caller().Partition, KeyedIds.New(http, CampaignKeys.IdPrefix))).Create(fields);

    private static async Task<IResult> Act(HttpContext http, IGrainFactory grains, string id, string action)
    {
        var grain = Campaign(http, grains, id);
        var expected = Preconditions.OptionalIfMatch(http.Request);
        var campaign = await ResourceRequests.WithCurrentOnStale(() => grain.Act(action, expected), () => Writes.Current(grain));
        return ApiResults.Ok(Writes.Shape(campaign), campaign.Version);
    }

    private static async Task<IResult> Schedule(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var grain = Campaign(http, grains, id);
        var expected = Preconditions.OptionalIfMatch(http.Request);
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var (start, end) = ScheduleTimes(fields);
        fields.ThrowIfInvalid();
        var campaign = await ResourceRequests.WithCurrentOnStale(() => grain.Schedule(start, end, expected), () => Writes.Current(grain));
        return ApiResults.Ok(Writes.Shape(campaign), campaign.Version);
    }

    /// <summary><c>scheduled_start</c> and <c>scheduled_end</c> of a schedule call: at least one.</summary>
    internal static (DateTimeOffset? Start, DateTimeOffset? End) ScheduleTimes(FieldReader fields)
    {
        var start = fields.Timestamp("scheduled_start");
        var end = fields.Timestamp("scheduled_end");
        if (start is null && end is null)
        {
            fields.Fail("scheduled_start", "required", "Give scheduled_start, scheduled_end or both");
        }
        return (start, end);
    }

    private static async Task<IResult> Clone(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadOptionalObjectAsync(http.Request, ct));
        var name = fields.String("name");
        fields.ThrowIfInvalid();
        var campaign = await Campaign(http, grains, id).Clone(KeyedIds.New(http, CampaignKeys.IdPrefix), name);
        return ApiResults.Created(new CampaignData(CampaignContract.Resource(campaign)), campaign.Version);
    }

    private static async Task<IResult> Enrol(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var contacts = fields.StringList("contact_ids", maxItems: CampaignKeys.MaxBulkContacts, maxLength: 64);
        if (contacts is null or { Count: 0 })
        {
            fields.Fail("contact_ids", "required", "contact_ids is required");
        }
        var zone = fields.String("time_zone", maxLength: 64);
        fields.ThrowIfInvalid();
        var wellFormed = contacts!.Where(c => ResourceRequests.IsWellFormedId(c, ContactKeys.IdPrefix)).ToList();
        var result = await Campaign(http, grains, id).Enrol(wellFormed, string.IsNullOrEmpty(zone) ? null : zone);
        var notFound = result.NotFound.Concat(contacts!.Where(c => !ResourceRequests.IsWellFormedId(c, ContactKeys.IdPrefix))).Distinct().ToList();
        return ApiResults.Ok(new EnrolmentCountsData(id, result.Enrolled.Count, result.AlreadyEnrolled.Count, notFound.Count,
            result.Enrolled, result.AlreadyEnrolled, notFound));
    }

    private static async Task<IResult> EnrolContact(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var contactId = ResourceRequests.RequireId(id, ContactKeys.IdPrefix, "Contact");
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var sequence = fields.String("sequence_id", required: true, maxLength: 64);
        var zone = fields.String("time_zone", maxLength: 64);
        if (sequence is not null && !ResourceRequests.IsWellFormedId(sequence, CampaignKeys.IdPrefix))
        {
            fields.Fail("sequence_id", "not_found", $"Sequence {sequence} not found");
        }
        fields.ThrowIfInvalid();
        var grain = grains.GetGrain<ICampaignGrain>(CampaignKeys.Grain(http.Caller().Partition, sequence!));
        var result = await grain.Enrol([contactId], string.IsNullOrEmpty(zone) ? null : zone);
        if (result.NotFound.Count > 0)
        {
            throw new ApiException(ApiError.NotFound("Contact not found"));
        }
        var enrolment = await grain.Enrolment(contactId);
        var data = new EnrolmentData(CampaignContract.Enrolment(enrolment));
        return result.Enrolled.Count > 0 ? ApiResults.Created(data) : ApiResults.Ok(data);
    }

    private static async Task<IResult> GetEnrolment(HttpContext http, IGrainFactory grains, string id, string contactId) =>
        ApiResults.Ok(new EnrolmentData(CampaignContract.Enrolment(await Campaign(http, grains, id).Enrolment(contactId))));

    private static async Task<IResult> Remove(HttpContext http, IGrainFactory grains, string id, string contactId)
    {
        var reason = http.Request.Query["reason"].ToString();
        if (reason.Length > 0 && reason is not ("removed" or "meeting_booked"))
        {
            throw new ApiException(ApiError.BadRequest("reason must be removed or meeting_booked", new { parameter = "reason" }));
        }
        var enrolment = await Campaign(http, grains, id).Remove(contactId, reason.Length > 0 ? reason : "removed");
        return ApiResults.Ok(new EnrolmentData(CampaignContract.Enrolment(enrolment)));
    }

    private static async Task<IResult> Report(HttpContext http, IGrainFactory grains, string id, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var contactId = fields.String("contact_id", required: true, maxLength: 64);
        var step = fields.Integer("step", required: true, min: 1, max: CampaignKeys.MaxSteps);
        var status = fields.Enum("status", CampaignKeys.ReportStatuses, required: true);
        fields.ThrowIfInvalid();
        var enrolment = await Campaign(http, grains, id).Report(contactId!, step!.Value - 1, status!);
        return ApiResults.Ok(new EnrolmentData(CampaignContract.Enrolment(enrolment)));
    }

    private static async Task<IResult> Metrics(HttpContext http, IGrainFactory grains, string id)
    {
        var grain = Campaign(http, grains, id);
        var campaign = await grain.Get();
        return ApiResults.Ok(new CampaignMetricsData(campaign.Id, CampaignContract.Metrics(campaign, await grain.Metrics())));
    }

    /// <summary>Each campaign with its metrics (every campaign's shards are asked, in parallel).</summary>
    internal static Task<(CampaignView View, CampaignMetrics Metrics)[]> WithMetrics(HttpContext http, IGrainFactory grains,
        IEnumerable<CampaignView> campaigns) =>
        Task.WhenAll(campaigns.Select(async c => (c, await Campaign(http, grains, c.Id).Metrics())));

    internal static ICampaignGrain Campaign(HttpContext http, IGrainFactory grains, string? id) => Writes.Grain(http, grains, id);
}
