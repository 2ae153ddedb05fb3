using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using ApiHost.Api;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>A campaign (SAM/4Runr) or sequence (SalesOS): one model, told apart by <c>kind</c>.</summary>
public sealed record CampaignResource(
    string Id, string Name, string? Description, string Kind, string Status, IReadOnlyList<CampaignStepRecord> Steps, SendWindowRecord SendWindow,
    string TimeZone, CampaignScheduleRecord Schedule, DateTimeOffset? ActivatedAt, DateTimeOffset? CompletedAt, string? ClonedFrom,
    [property: Description("The LinkedIn account LinkedIn steps go out from (given to the executor)")] string? LinkedinAccountId, long Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only")] CampaignMetricsRecord? Metrics = null);

/// <summary>A step; <c>order</c> is 1-based; the delay counts from the previous step's send (the first: from enrolment).</summary>
public sealed record CampaignStepRecord(int Order, string Type, int DelayDays, int DelayHours, int DelayMinutes, string? TemplateId, string? Message,
    string? Name);

/// <summary>Days (<c>mon</c>..<c>sun</c>) and local hours (<c>start</c> inclusive, <c>end</c> exclusive, <c>24:00</c> = end of day) in the contact's zone.</summary>
public sealed record SendWindowRecord(IReadOnlyList<string> Days, string Start, string End);

public sealed record CampaignScheduleRecord(DateTimeOffset? ScheduledStart, DateTimeOffset? ScheduledEnd, int? MaxSendsPerDay, int? MaxSendsPerWeek);

public sealed record CampaignStepMetricsRecord(int Order, string Type, int Sent, int Failed, int Connected, int Replied);

/// <summary>SAM's metrics: <c>success_rate</c> = replied / contacted.</summary>
public sealed record CampaignMetricsRecord(int TotalProspects, int Active, int Completed, int Stopped, int Contacted, int Connected, int Replied,
    decimal SuccessRate, IReadOnlyList<CampaignStepMetricsRecord> Steps);

public sealed record CampaignData(CampaignResource Campaign);

public sealed record CampaignList(IReadOnlyList<CampaignResource> Campaigns, Pagination Pagination);

public sealed record CampaignMetricsData(string CampaignId, CampaignMetricsRecord Metrics);

public sealed record StepSendRecord(int Step, string Type, DateTimeOffset At, string? Reference, string Outcome);

/// <summary>A contact in a campaign (SalesOS's contact sequence): <c>current_step</c> is the 1-based next step.</summary>
public sealed record EnrolmentResource(string Id, string ContactId, string CampaignId, string SequenceId, string Status, int CurrentStep,
    DateTimeOffset? NextStepAt, string? StopReason, string? TimeZone, DateTimeOffset StartedAt, DateTimeOffset? LastSentAt, bool Connected, bool Replied,
    IReadOnlyList<StepSendRecord> Sends);

public sealed record EnrolmentData(EnrolmentResource Enrolment);

public sealed record EnrolmentCountsData(string CampaignId, int AddedCount, int DuplicateCount, int ErrorCount, IReadOnlyList<string> Enrolled,
    IReadOnlyList<string> AlreadyEnrolled, IReadOnlyList<string> NotFound);

public sealed record CampaignStepBody : IApiRequest
{
    [Required, OneOf(typeof(CampaignKeys), nameof(CampaignKeys.StepTypes))] public string? Type { get; init; }
    [Range(0, 365)] public int? DelayDays { get; init; }
    [Range(0, 8760)] public int? DelayHours { get; init; }
    [Range(0, 525600)] public int? DelayMinutes { get; init; }
    [MaxLength(64), Description("email steps")] public string? TemplateId { get; init; }
    [MaxLength(CampaignContract.MessageMaxLength), Description("LinkedIn steps and tasks; {{first_name}}, {first_name}, {name} placeholders")]
    public string? Message { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? Name { get; init; }
}

public sealed record SendWindowBody : IApiRequest
{
    [Description("mon, tue, wed, thu, fri, sat, sun")] public IReadOnlyList<string>? Days { get; init; }
    [RegularExpression("^([01][0-9]|2[0-3]):[0-5][0-9]$")] public string? Start { get; init; }
    [RegularExpression("^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")] public string? End { get; init; }
}

public record CampaignPatch : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength)] public virtual string? Name { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Description { get; init; }
    [OneOf(typeof(CampaignKeys), nameof(CampaignKeys.Kinds))] public string? Kind { get; init; }
    [MaxLength(CampaignKeys.MaxSteps)] public IReadOnlyList<CampaignStepBody>? Steps { get; init; }
    public SendWindowBody? SendWindow { get; init; }
    [MaxLength(64), Description("IANA zone; the window is read in each contact's zone, this one by default")] public string? TimeZone { get; init; }
    [Range(1, 1_000_000)] public int? MaxSendsPerDay { get; init; }
    [Range(1, 10_000_000)] public int? MaxSendsPerWeek { get; init; }
    public DateTimeOffset? ScheduledStart { get; init; }
    public DateTimeOffset? ScheduledEnd { get; init; }
    [MaxLength(64), Description("The LinkedIn account LinkedIn steps go out from (given to the executor)")] public string? LinkedinAccountId { get; init; }
}

public sealed record CampaignInput : CampaignPatch
{
    [Required, MaxLength(FieldReader.NameMaxLength)] public override string? Name { get; init; }
}

public sealed record CampaignScheduleBody : IApiRequest
{
    public DateTimeOffset? ScheduledStart { get; init; }
    public DateTimeOffset? ScheduledEnd { get; init; }
}

public sealed record CampaignCloneBody : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength), Description("Default: the source's name with (copy)")] public string? Name { get; init; }
}

public sealed record CampaignEnrolBody : IApiRequest
{
    [Required, MaxLength(CampaignKeys.MaxBulkContacts)] public IReadOnlyList<string>? ContactIds { get; init; }
    [MaxLength(64), Description("The contacts' IANA zone; default the campaign's")] public string? TimeZone { get; init; }
}

/// <summary>A SalesOS sequence step: <c>linkedin</c> is a <c>linkedin_message</c>; <c>order</c> sets the running order (default: list order).</summary>
public sealed record SequenceStepBody : IApiRequest
{
    [Range(1, CampaignKeys.MaxSteps)] public int? Order { get; init; }
    [Required, OneOf(typeof(CampaignContract), nameof(CampaignContract.SequenceStepTypes))] public string? Type { get; init; }
    [Range(0, 365), Description("Counted from the previous step's send (the first: from enrolment)")] public int? DelayDays { get; init; }
    [Range(0, 8760)] public int? DelayHours { get; init; }
    [Range(0, 525600)] public int? DelayMinutes { get; init; }
    [MaxLength(64), Description("email steps")] public string? TemplateId { get; init; }
    [MaxLength(CampaignContract.MessageMaxLength), Description("linkedin steps; {{first_name}}, {first_name}, {name} placeholders")]
    public string? Message { get; init; }
}

/// <summary>SalesOS's <c>POST /v1/sequences</c>: a campaign of kind <c>sequence</c>; window, zone and caps as on a campaign.</summary>
public sealed record SequenceInput : IApiRequest
{
    [Required, MaxLength(FieldReader.NameMaxLength)] public string? Name { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Description { get; init; }
    [MaxLength(CampaignKeys.MaxSteps)] public IReadOnlyList<SequenceStepBody>? Steps { get; init; }
    public SendWindowBody? SendWindow { get; init; }
    [MaxLength(64)] public string? TimeZone { get; init; }
    [Range(1, 1_000_000)] public int? MaxSendsPerDay { get; init; }
    [Range(1, 10_000_000)] public int? MaxSendsPerWeek { get; init; }
}

public sealed record ContactSequenceBody : IApiRequest
{
    [Required, MaxLength(64), Description("A campaign id (cmp_), as POST /v1/sequences returns it")] public string? SequenceId { get; init; }
    [MaxLength(64), Description("The contact's IANA zone; default the campaign's")] public string? TimeZone { get; init; }
}

public sealed record LinkedinReportBody : IApiRequest
{
    [Required, MaxLength(64)] public string? ContactId { get; init; }
    [Required, Range(1, CampaignKeys.MaxSteps), Description("The 1-based step of linkedin.send_requested")] public int? Step { get; init; }
    [Required, OneOf(typeof(CampaignKeys), nameof(CampaignKeys.ReportStatuses))] public string? Status { get; init; }
}

/// <summary>SAM's message templates: each one given is a LinkedIn step (<c>connection_request</c> first, follow-ups and goodbye 3 days apart).</summary>
public sealed record SamMessageTemplates : IApiRequest
{
    [MaxLength(CampaignContract.MessageMaxLength), Description("{first_name} placeholders")] public string? ConnectionRequest { get; init; }
    [JsonPropertyName("follow_up_1"), MaxLength(CampaignContract.MessageMaxLength)] public string? FollowUp1 { get; init; }
    [JsonPropertyName("follow_up_2"), MaxLength(CampaignContract.MessageMaxLength)] public string? FollowUp2 { get; init; }
    [JsonPropertyName("follow_up_3"), MaxLength(CampaignContract.MessageMaxLength)] public string? FollowUp3 { get; init; }
    [JsonPropertyName("follow_up_4"), MaxLength(CampaignContract.MessageMaxLength)] public string? FollowUp4 { get; init; }
    [JsonPropertyName("follow_up_5"), MaxLength(CampaignContract.MessageMaxLength)] public string? FollowUp5 { get; init; }
    [MaxLength(CampaignContract.MessageMaxLength)] public string? GoodbyeMessage { get; init; }
}

/// <summary>SAM's <c>POST /api/campaigns</c> and <c>PUT /api/campaigns/{id}</c> (where every field is optional).</summary>
public sealed record SamCampaignBody : IApiRequest
{
    [MaxLength(FieldReader.NameMaxLength), Description("Required on create")] public string? CampaignName { get; init; }
    [OneOf(typeof(SamCampaigns), nameof(SamCampaigns.CampaignTypes))] public string? CampaignType { get; init; }
    [MaxLength(64)] public string? LinkedinAccountId { get; init; }
    [Description("A template set to null or \"\" removes its step")] public SamMessageTemplates? MessageTemplates { get; init; }
    [Description("Nothing is sent before it (the campaign's scheduled_start)")] public DateTimeOffset? ScheduledAt { get; init; }
}

public sealed record SamLinkedinAccount(string Id);

public sealed record SamMetrics(int TotalProspects, int Contacted, int Connected, int Replied, decimal SuccessRate);

/// <summary>SAM's campaign: <c>workspace_id</c> is the tenant; <c>metrics</c> on GET one.</summary>
public sealed record SamCampaign(string Id, string WorkspaceId, string CampaignName,
    [property: Description("connection_request when every step is a LinkedIn step, else null")] string? CampaignType, string Status,
    SamLinkedinAccount? LinkedinAccount, SamMessageTemplates MessageTemplates, DateTimeOffset? ScheduledStart, DateTimeOffset? ScheduledEnd,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only")] SamMetrics? Metrics = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull), Description("GET one only: the first 100 enrolled")]
    IReadOnlyList<SamCampaignProspect>? Prospects = null);

/// <summary>
/// An enrolled contact (<c>id</c> is the contact's). <c>status</c>: <c>pending</c>, <c>connection_request_sent</c>,
/// <c>contacted</c>, <c>connected</c>, <c>replied</c>, <c>completed</c>, <c>stopped</c>; <c>contacted_at</c>: its first send.
/// </summary>
public sealed record SamCampaignProspect(string Id, string? FirstName, string? LastName, string Status, DateTimeOffset? ContactedAt);

public sealed record SamCampaignSummary(string Id, string CampaignName, string Status, int ProspectCount, int ContactedCount, DateTimeOffset CreatedAt);

/// <summary>SAM's list; <c>total</c> and <c>page</c> (offset / limit), which SAM puts beside <c>data</c>, are inside it (one envelope).</summary>
public sealed record SamCampaignList(IReadOnlyList<SamCampaignSummary> Campaigns, long Total, int Page, int Limit, int Offset);

public sealed record SamCampaignIdBody : IApiRequest
{
    [Required, MaxLength(64)] public string? CampaignId { get; init; }
}

public sealed record SamActivateBody : IApiRequest
{
    [Required, MaxLength(64)] public string? CampaignId { get; init; }
    [Description("Default true. A future scheduled_start still holds the first sends either way")] public bool? StartImmediately { get; init; }
}

public sealed record SamCloneBody : IApiRequest
{
    [Required, MaxLength(64)] public string? SourceCampaignId { get; init; }
    [MaxLength(FieldReader.NameMaxLength)] public string? NewCampaignName { get; init; }
}

public sealed record SamScheduleBody : IApiRequest
{
    [Required, MaxLength(64)] public string? CampaignId { get; init; }
    public DateTimeOffset? ScheduledStart { get; init; }
    public DateTimeOffset? ScheduledEnd { get; init; }
}

/// <summary><c>approval_url</c>: where the session's prospects are read for review (this API; there is no approval page).</summary>
public sealed record ProspectUploadData(string SessionId, int ProspectsUploaded, string ApprovalUrl);

public sealed record ProspectSessionRecord(string Id, string CampaignName, string? CampaignId, int TotalProspects, int PendingCount,
    int ApprovedCount, int RejectedCount, [property: Description("active while any prospect is pending, else completed")] string Status,
    DateTimeOffset CreatedAt);

/// <summary>A prospect; SAM's <c>location</c> and <c>enrichment_score</c> are null (nothing enriches prospects here).</summary>
public sealed record ProspectRecord(string Id, string SessionId, string Name, string? FirstName, string? LastName, string Email, string? Title,
    string? Company, string? LinkedinUrl, string? Location, int? EnrichmentScore, string ApprovalStatus, string? Notes, DateTimeOffset? DecisionDate,
    [property: Description("The contact it became when added to a campaign")] string? ContactId);

public sealed record ProspectList(IReadOnlyList<ProspectRecord> Prospects, int Total, int Page, int Limit, int Offset);

public sealed record ProspectData(ProspectRecord Prospect);

public sealed record ApprovedProspectRecord(string Id, string Name, DateTimeOffset? DecisionDate);

public sealed record ApprovedProspectsData(IReadOnlyList<ApprovedProspectRecord> ApprovedProspects, int TotalApproved);

public sealed record BulkApprovedData(string SessionId, int ApprovedCount);

public sealed record ProspectsAddedData(int AddedCount, int DuplicateCount, int ErrorCount, IReadOnlyList<string> ContactIds);

public sealed record ProspectDecisionBody : IApiRequest
{
    [Required, MaxLength(64)] public string? ProspectId { get; init; }
    [Required, MaxLength(64)] public string? SessionId { get; init; }
    [Required, OneOf(typeof(ProspectKeys), nameof(ProspectKeys.Decisions))] public string? Decision { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Notes { get; init; }
}

public sealed record ProspectBulkApproveBody : IApiRequest
{
    [Required, MaxLength(64)] public string? SessionId { get; init; }
    [Required, MaxLength(ProspectKeys.MaxDecisions)] public IReadOnlyList<string>? ProspectIds { get; init; }
    [MaxLength(FieldReader.DescriptionMaxLength)] public string? Notes { get; init; }
}

public sealed record AddApprovedProspectsBody : IApiRequest
{
    [Required, MaxLength(64)] public string? CampaignId { get; init; }
    [Required, MaxLength(64)] public string? ApprovalSessionId { get; init; }
    [MaxLength(ProspectKeys.MaxProspects), Description("Default: every approved prospect of the session")] public IReadOnlyList<string>? ProspectIds { get; init; }
}

public sealed record CampaignAnalyticsRecord(string CampaignId, string Name, string Kind, string Status, CampaignMetricsRecord Metrics);

public sealed record CampaignAnalyticsList(IReadOnlyList<CampaignAnalyticsRecord> Campaigns, Pagination Pagination);

/// <summary>
/// 4Runr's automation status, from the campaign shards' dispatch cycles: <c>running</c> while a step of an active campaign
/// is waiting to go out, else <c>idle</c>; <c>average_cycle_time</c> is wall time per cycle ("0.012s").
/// </summary>
public sealed record AutomationStatusData(string AutomationEngine, DateTimeOffset? LastCycle, DateTimeOffset? NextCycle, long CyclesCompleted,
    string AverageCycleTime, long StepsDispatched, int ShardsWaiting);

/// <summary>4Runr's <c>POST /v1/automation/trigger</c>.</summary>
public sealed record AutomationTriggerBody : IApiRequest
{
    [Required, OneOf(typeof(AutomationOperations), nameof(AutomationOperations.All))] public string? Operation { get; init; }
    public AutomationTriggerParameters? Parameters { get; init; }
}

public sealed record AutomationTriggerParameters : IApiRequest
{
    [Range(1, AutomationOperations.MaxLimit), Description("run_campaigns: at most this many shards, earliest due first (default all)")]
    public int? Limit { get; init; }
    [Description("run_campaigns: also wake shards whose next step is not due yet")] public bool? Force { get; init; }
}

/// <summary><c>status</c>: <c>completed</c>, or <c>skipped</c> for an operation with nothing to run here (<c>enrich_leads</c>).</summary>
public sealed record AutomationTriggerData(string Operation, string Status, int ShardsRun, int StepsDispatched, DateTimeOffset TriggeredAt,
    string? Message);

/// <summary>SAM's <c>POST /api/messages/send-campaign</c>; <c>prospect_id</c> is the enrolled contact's id.</summary>
public sealed record SamSendCampaignBody : IApiRequest
{
    [Required, MaxLength(64)] public string? CampaignId { get; init; }
    [Required, MaxLength(64), Description("The contact enrolled in the campaign (con_)")] public string? ProspectId { get; init; }
    [Required, OneOf(typeof(SamCampaigns), nameof(SamCampaigns.MessageTypes))] public string? MessageType { get; init; }
    [Required, MaxLength(CampaignContract.MessageMaxLength)] public string? PersonalizedMessage { get; init; }
}

/// <summary>
/// <c>status</c> as recorded: <c>requested</c> (a LinkedIn step handed to the executor, <c>sent</c> once it reports),
/// <c>sent</c> (an email handed to the sending account), <c>failed</c> (the channel refused it for good).
/// </summary>
public sealed record SamSentMessage(string? MessageId, DateTimeOffset SentAt, string Status, string MessageType);

public sealed record SamConversationProspect(string Id, string? Name, string? Email, string? LinkedinUrl);

/// <summary><c>role</c> <c>outbound</c> (with <c>sent_at</c>) or <c>inbound</c> (the reply, with <c>received_at</c>; its text is not kept).</summary>
public sealed record SamConversationMessage(string Id, string Role, string? Content, string Type, DateTimeOffset? SentAt, DateTimeOffset? ReceivedAt,
    string Status);

public sealed record SamConversation(string ConversationId, SamConversationProspect Prospect, IReadOnlyList<SamConversationMessage> Messages);
