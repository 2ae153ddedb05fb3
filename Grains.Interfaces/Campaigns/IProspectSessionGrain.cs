namespace Grains.Interfaces.Campaigns;

/// <summary>
/// SAM's prospect approval session, keyed <c>{partition}/{aps_id}</c>: uploaded prospects waiting for a person's decision,
/// and the step that turns the approved ones into contacts enrolled in a campaign. The prospects' names, emails and
/// LinkedIn URLs are sealed with the tenant's keys in the grain's state.
/// </summary>
public interface IProspectSessionGrain : IGrainWithStringKey
{
    /// <summary>All or nothing: the rows were checked by the caller; 409 when the session exists.</summary>
    Task<ProspectSessionView> Create(string name, string? campaignId, IReadOnlyList<ProspectInput> prospects);

    Task<ProspectSessionView> Get();

    /// <summary>A page of prospects, oldest first; <paramref name="status"/> <c>pending</c>, <c>approved</c> or <c>rejected</c>.</summary>
    Task<ProspectPage> Prospects(string? status, int limit, int offset);

    /// <summary>
    /// <c>approved</c> or <c>rejected</c> for each id (a later decision replaces an earlier one); all or nothing: an unknown
    /// id is 400 <c>prospect_ids</c> <c>not_found</c> and nothing changes.
    /// </summary>
    Task<IReadOnlyList<ProspectView>> Decide(IReadOnlyList<string> prospectIds, string decision, string? notes);

    /// <summary>
    /// Makes contacts of the approved prospects (all of them, or those of <paramref name="prospectIds"/>) and enrols them in the
    /// campaign. A prospect whose email already belongs to a contact enrols that contact. Duplicates: the same email or
    /// LinkedIn URL as a prospect before it in the same call or already added to this campaign from this session, or a contact
    /// the campaign already has. Errors: ids not approved or unknown, and contacts the contact rules refuse.
    /// </summary>
    Task<ProspectAddResult> AddToCampaign(string campaignId, IReadOnlyList<string>? prospectIds);
}

/// <summary>A partition's approval sessions (ids only; each session answers its own counts).</summary>
public interface IProspectSessionDirectoryGrain : IGrainWithStringKey
{
    Task Register(string sessionId);

    Task<IReadOnlyList<ProspectSessionView>> List();
}

[GenerateSerializer, Immutable, Alias("campaigns.prospect-input")]
public sealed record ProspectInput(
    [property: Id(0)] string? FirstName,
    [property: Id(1)] string? LastName,
    [property: Id(2)] string Email,
    [property: Id(3)] string? LinkedinUrl,
    [property: Id(4)] string? Company,
    [property: Id(5)] string? Title);

[GenerateSerializer, Immutable, Alias("campaigns.prospect")]
public sealed record ProspectView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string SessionId { get; init; }
    [Id(2)] public required ProspectInput Person { get; init; }
    [Id(3)] public required string ApprovalStatus { get; init; }
    [Id(4)] public string? Notes { get; init; }
    [Id(5)] public DateTimeOffset? DecidedAt { get; init; }
    [Id(6)] public string? ContactId { get; init; }
}

[GenerateSerializer, Immutable, Alias("campaigns.prospect-session")]
public sealed record ProspectSessionView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string? CampaignId,
    [property: Id(3)] int Total,
    [property: Id(4)] int Pending,
    [property: Id(5)] int Approved,
    [property: Id(6)] int Rejected,
    [property: Id(7)] string Status,
    [property: Id(8)] DateTimeOffset CreatedAt);

[GenerateSerializer, Immutable, Alias("campaigns.prospect-page")]
public sealed record ProspectPage(
    [property: Id(0)] IReadOnlyList<ProspectView> Items,
    [property: Id(1)] int Total);

[GenerateSerializer, Immutable, Alias("campaigns.prospect-add")]
public sealed record ProspectAddResult(
    [property: Id(0)] int Added,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] int Errors,
    [property: Id(3)] IReadOnlyList<string> ContactIds);

public static class ProspectKeys
{
    public const string SessionPrefix = "aps";
    public const string ProspectPrefix = "pro";
    public const int MaxProspects = 5000;
    public const int MaxDecisions = 1000;

    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public static readonly IReadOnlyList<string> Statuses = [Pending, Approved, Rejected];
    public static readonly IReadOnlyList<string> Decisions = [Approved, Rejected];

    public static string Grain(string partition, string sessionId) => $"{partition}/{sessionId}";
}
