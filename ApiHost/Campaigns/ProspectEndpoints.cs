using ApiHost.Api;
using ApiHost.Api.Idempotency;
using ApiHost.Api.Lists;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>
/// SAM's prospect approval: a CSV upload makes an approval session, a person decides each prospect, and the approved
/// ones are added to a campaign as contacts (<see cref="IProspectSessionGrain"/> holds the rules).
/// </summary>
public static class ProspectEndpoints
{
    private const int DefaultLimit = 20;

    public static void MapProspectEndpoints(this IEndpointRouteBuilder app)
    {
        var campaigns = app.MapGroup("/api/campaigns").WithTags("sam-campaigns");
        campaigns.MapPost("upload-prospects", Upload).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<ProspectUploadData>("uploadSamProspects", "Upload a prospect CSV into a new approval session", 201,
                description: "Every row is checked first: a bad one is a 400 naming `rows[i].column` and nothing is kept.")
            .WithMetadata(new MultipartForm("file", "CSV: first_name, last_name, email, linkedin_url, company, title (email required)", ["campaign_id"]));
        campaigns.MapPost("add-approved-prospects", AddApproved).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<AddApprovedProspectsBody, ProspectsAddedData>("addApprovedSamProspects",
                "Add a session's approved prospects to a campaign as contacts",
                description: "Without `prospect_ids`, every approved prospect. The same email or LinkedIn URL counts in `duplicate_count`.");

        var approval = app.MapGroup("/api/prospect-approval").WithTags("prospect-approval");
        approval.MapGet("sessions/list", Sessions).RequireScope(CampaignEndpoints.Read)
            .Operation<IReadOnlyList<ProspectSessionRecord>>("listProspectSessions", "Approval sessions with their counts, newest first");
        approval.MapGet("prospects", Prospects).RequireScope(CampaignEndpoints.Read)
            .Operation<ProspectList>("listSessionProspects", "A session's prospects (`session_id`, `status`, `limit` default 20, `offset`)");
        approval.MapPost("decide", Decide).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<ProspectDecisionBody, ProspectData>("decideProspect", "Approve or reject one prospect");
        approval.MapPost("bulk-approve", BulkApprove).RequireScope(CampaignEndpoints.Write).WithIdempotency()
            .Operation<ProspectBulkApproveBody, BulkApprovedData>("bulkApproveProspects", "Approve many prospects of a session (all or none)");
        approval.MapGet("approved", Approved).RequireScope(CampaignEndpoints.Read)
            .Operation<ApprovedProspectsData>("listApprovedProspects", "A session's approved prospects");
    }

    private static async Task<IResult> Upload(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        if (!http.Request.HasFormContentType)
        {
            throw new ApiException(ApiError.BadRequest("Send multipart/form-data with the CSV in a file field", new { parameter = "file" }));
        }
        var form = await http.Request.ReadFormAsync(ct);
        var file = form.Files.GetFile("file")
            ?? throw new ApiException(ApiError.InvalidFields(new Dictionary<string, FieldError> { ["file"] = new("required", "file is required") }));
        IReadOnlyList<ProspectInput> prospects;
        using (var reader = new StreamReader(file.OpenReadStream()))
        {
            prospects = ProspectCsv.Read(reader);
        }
        var campaignId = FieldReader.Blank(form["campaign_id"].ToString());
        var name = campaignId is null ? file.FileName : (await CampaignEndpoints.Campaign(http, grains, campaignId).Get(ct)).Name;
        var session = await Session(http, grains, KeyedIds.New(http, ProspectKeys.SessionPrefix)).Create(name, campaignId, prospects);
        var url = $"{http.Request.Scheme}://{http.Request.Host}/api/prospect-approval/prospects?session_id={session.Id}";
        return ApiResults.Created(new ProspectUploadData(session.Id, session.Total, url));
    }

    private static async Task<IResult> AddApproved(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var campaign = fields.String("campaign_id", required: true, maxLength: 64);
        var session = fields.String("approval_session_id", required: true, maxLength: 64);
        var prospects = fields.StringList("prospect_ids", maxItems: ProspectKeys.MaxProspects, maxLength: 64);
        fields.ThrowIfInvalid();
        var result = await Session(http, grains, session!)
            .AddToCampaign(ResourceRequests.RequireId(campaign, CampaignKeys.IdPrefix, "Campaign"), prospects);
        return ApiResults.Ok(new ProspectsAddedData(result.Added, result.Duplicates, result.Errors, result.ContactIds));
    }

    private static async Task<IResult> Sessions(HttpContext http, IGrainFactory grains)
    {
        var sessions = await grains.GetGrain<IProspectSessionDirectoryGrain>(http.Caller().Partition).List();
        return ApiResults.Ok<IReadOnlyList<ProspectSessionRecord>>([.. sessions.Select(s => new ProspectSessionRecord(s.Id, s.Name, s.CampaignId,
            s.Total, s.Pending, s.Approved, s.Rejected, s.Status, s.CreatedAt))]);
    }

    private static async Task<IResult> Prospects(HttpContext http, IGrainFactory grains)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var session = RequiredSession(query);
        var status = query.Text("status", 16);
        if (status is not null && !ProspectKeys.Statuses.Contains(status))
        {
            query.Fail("status", "invalid", $"status must be one of: {string.Join(", ", ProspectKeys.Statuses)}");
        }
        var limit = query.Integer("limit", 1, ListPaging.MaxLimit) ?? DefaultLimit;
        var offset = query.Integer("offset", 0, int.MaxValue) ?? 0;
        query.ThrowIfInvalid();
        var page = await Session(http, grains, session!).Prospects(status, limit, offset);
        return ApiResults.Ok(new ProspectList([.. page.Items.Select(Record)], page.Total, offset / limit, limit, offset));
    }

    private static async Task<IResult> Decide(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var prospect = fields.String("prospect_id", required: true, maxLength: 64);
        var session = fields.String("session_id", required: true, maxLength: 64);
        var decision = fields.Enum("decision", ProspectKeys.Decisions, required: true);
        var notes = fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        fields.ThrowIfInvalid();
        var decided = await Session(http, grains, session!).Decide([prospect!], decision!, FieldReader.Blank(notes));
        return ApiResults.Ok(new ProspectData(Record(decided[0])));
    }

    private static async Task<IResult> BulkApprove(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var session = fields.String("session_id", required: true, maxLength: 64);
        var prospects = fields.StringList("prospect_ids", maxItems: ProspectKeys.MaxDecisions, maxLength: 64);
        if (prospects is null or { Count: 0 })
        {
            fields.Fail("prospect_ids", "required", "prospect_ids is required");
        }
        var notes = fields.String("notes", maxLength: FieldReader.DescriptionMaxLength);
        fields.ThrowIfInvalid();
        var decided = await Session(http, grains, session!).Decide(prospects!, ProspectKeys.Approved, FieldReader.Blank(notes));
        return ApiResults.Ok(new BulkApprovedData(session!, decided.Count));
    }

    private static async Task<IResult> Approved(HttpContext http, IGrainFactory grains)
    {
        var query = new ListRequest.QueryReader(http.Request.Query);
        var session = RequiredSession(query);
        query.ThrowIfInvalid();
        var page = await Session(http, grains, session!).Prospects(ProspectKeys.Approved, int.MaxValue, 0);
        return ApiResults.Ok(new ApprovedProspectsData([.. page.Items.Select(p => new ApprovedProspectRecord(p.Id, Name(p.Person), p.DecidedAt))],
            page.Total));
    }

    private static string? RequiredSession(ListRequest.QueryReader query)
    {
        var session = query.Text("session_id", 64);
        if (session is null)
        {
            query.Fail("session_id", "required", "session_id is required");
        }
        return session;
    }

    private static ProspectRecord Record(ProspectView p) => new(p.Id, p.SessionId, Name(p.Person), p.Person.FirstName, p.Person.LastName,
        p.Person.Email, p.Person.Title, p.Person.Company, p.Person.LinkedinUrl, null, null, p.ApprovalStatus, p.Notes, p.DecidedAt, p.ContactId);

    private static string Name(ProspectInput p) => string.Join(' ', new[] { p.FirstName, p.LastName }.Where(n => n is not null));

    /// <summary>A session of the caller's partition; an id that cannot be a session's answers 404 like another tenant's.</summary>
    private static IProspectSessionGrain Session(HttpContext http, IGrainFactory grains, string id) => grains.GetGrain<IProspectSessionGrain>(
        ProspectKeys.Grain(http.Caller().Partition, ResourceRequests.RequireId(id, ProspectKeys.SessionPrefix, "Approval session")));
}
