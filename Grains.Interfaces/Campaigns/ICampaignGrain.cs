using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;

namespace Grains.Interfaces.Campaigns;

/// <summary>
/// One campaign (SAM/4Runr) or sequence (SalesOS): the same model, keyed <c>{partition}/{cmp_id}</c>. It holds the
/// definition (ordered steps, window, caps, schedule) and the lifecycle; the enrolled contacts and their due work live
/// in a bounded number of <see cref="ICampaignShardGrain"/>s (see <c>docs/campaigns.md</c>).
/// </summary>
/// <remarks>
/// Edits keep enrolled contacts at their position (step index); see <c>docs/campaigns.md</c>. Deleting it is 409
/// <c>conflict.campaign_active</c> while active: pause it first.
/// </remarks>
public interface ICampaignGrain : IResourceGrain<CampaignFields, CampaignView>
{
    /// <summary><c>activate</c>, <c>pause</c>, <c>resume</c>, <c>complete</c>, <c>archive</c> (<see cref="CampaignKeys.Actions"/>).</summary>
    Task<CampaignView> Act(string action, long? expectedVersion);

    Task<CampaignView> Schedule(DateTimeOffset? start, DateTimeOffset? end, long? expectedVersion);

    /// <summary>A draft copy of the definition (no contacts) under <paramref name="newId"/>.</summary>
    Task<CampaignView> Clone(string newId, string? name);

    Task<EnrolmentResult> Enrol(IReadOnlyList<string> contactIds, string? timeZone);

    /// <summary>Manual removal (<c>removed</c>) or a booked meeting (<c>meeting_booked</c>): the contact gets no further steps.</summary>
    Task<EnrolmentView> Remove(string contactId, string reason);

    Task<EnrolmentView> Enrolment(string contactId);

    /// <summary>The LinkedIn executor's report for a step: <c>sent</c>, <c>failed</c>, <c>connected</c>, <c>replied</c>.</summary>
    Task<EnrolmentView> Report(string contactId, int step, string status);

    Task<CampaignMetrics> Metrics();

    /// <summary>
    /// SAM's <c>prospects</c> of the campaign detail: the first <paramref name="limit"/> enrolled contacts by enrolment
    /// time, each with its names and SAM's status (<c>CampaignRules.ProspectStatus</c>).
    /// </summary>
    Task<IReadOnlyList<CampaignProspect>> Prospects(int limit);

    /// <summary>
    /// SAM's send-campaign: sends the named step (<see cref="CampaignStep.Name"/>) to the contact now with
    /// <paramref name="message"/> instead of the step's own text, outside the window but within the caps. It must be
    /// the contact's next step (409 <c>conflict.step_not_next</c>); it is then recorded as that step's send and the
    /// next step is timed from it. 409 when the campaign is completed or archived, or the contact is stopped or done.
    /// </summary>
    Task<StepSend> SendStep(string contactId, string stepName, string message);

    /// <summary>The contact's messages in this campaign: the sends (with their text when they had one) and its reply.</summary>
    Task<CampaignConversation> Conversation(string contactId, int limit);

    /// <summary>What a shard needs to run due work. Read-only, so it interleaves (a shard asks while the campaign waits on shards).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<CampaignPlan> Plan();
}

/// <summary>
/// Send counters per day: a campaign's (keyed <c>{partition}/{cmp_id}</c>, days in the campaign's zone) across all its
/// shards, or a sending account's (<see cref="CampaignKeys.AccountCap"/>, UTC days) across every campaign sending from it.
/// </summary>
public interface ICampaignCapGrain : IGrainWithStringKey
{
    /// <summary>Takes up to <paramref name="wanted"/> sends on <paramref name="day"/>; returns how many the caps grant.</summary>
    Task<int> Take(DateOnly day, int? perDay, int? perWeek, int wanted);

    /// <summary>Gives back <paramref name="count"/> grants of <paramref name="day"/> that were not used (another cap refused those sends).</summary>
    Task GiveBack(DateOnly day, int count);
}

/// <summary>A bounded shard of a campaign's enrolments: one due-queue, one reminder and one timer.</summary>
public interface ICampaignShardGrain : IGrainWithStringKey
{
    Task<IReadOnlyList<string>> Enrol(IReadOnlyList<EnrolmentRequest> contacts, CampaignPlan plan);

    Task<EnrolmentView?> Find(string contactId);

    /// <summary>Stops the contact (reply, unsubscribe, bounce, manual removal); null when it is not enrolled here.</summary>
    Task<EnrolmentView?> Stop(string contactId, string reason);

    Task<EnrolmentView?> Report(string contactId, int step, string status);

    /// <summary>The shard's first <paramref name="limit"/> enrolments by enrolment time.</summary>
    Task<IReadOnlyList<EnrolmentView>> Earliest(int limit);

    /// <summary>The manual send of <see cref="ICampaignGrain.SendStep"/>; null when the contact is not enrolled here.</summary>
    Task<StepSend?> SendStep(string contactId, int step, string message, CampaignPlan plan);

    Task<ShardMetrics> Metrics();

    /// <summary>Runs what is due now (the reminder's and timer's work); returns how many steps it dispatched.</summary>
    Task<int> Tick();

    /// <summary>The campaign (re)started, paused or changed: keep the plan and re-arm (the run itself is on the timer).</summary>
    Task Wake(CampaignPlan plan);
}

/// <summary>Stops a contact in every campaign of the partition (a reply, unsubscribe or bounce is tenant-wide).</summary>
public interface ICampaignDirectoryGrain : IResourceDirectoryGrain<CampaignView>
{
    /// <summary>One-way: the caller (a contact recording a reply) never waits on shards that may be waiting on it.</summary>
    [Orleans.Concurrency.OneWay]
    Task StopContact(string contactId, string reason);
}

[GenerateSerializer, Immutable, Alias("campaigns.step")]
public sealed record CampaignStep
{
    [Id(0)] public required string Type { get; init; }
    [Id(1)] public int DelayDays { get; init; }
    [Id(2)] public int DelayHours { get; init; }
    [Id(3)] public int DelayMinutes { get; init; }
    [Id(4)] public string? TemplateId { get; init; }
    [Id(5)] public string? Message { get; init; }
    [Id(6)] public string? Name { get; init; }
}

/// <summary>Days of the week and a local time range (minutes after midnight; end exclusive, 1440 = end of day).</summary>
[GenerateSerializer, Immutable, Alias("campaigns.window")]
public sealed record CampaignWindow
{
    [Id(0)] public IReadOnlyList<DayOfWeek> Days { get; init; } = [.. Enum.GetValues<DayOfWeek>()];
    [Id(1)] public int StartMinute { get; init; }
    [Id(2)] public int EndMinute { get; init; } = 24 * 60;
}

/// <summary>Writable fields: on create null is "not given"; on update null is "unchanged", <see cref="Cleared"/> names fields set to null.</summary>
[GenerateSerializer, Immutable, Alias("campaigns.fields")]
public sealed record CampaignFields : IFieldPatch
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public string? Description { get; init; }
    [Id(2)] public string? Kind { get; init; }
    [Id(3)] public IReadOnlyList<CampaignStep>? Steps { get; init; }
    [Id(4)] public CampaignWindow? Window { get; init; }
    [Id(5)] public string? TimeZone { get; init; }
    [Id(6)] public int? MaxSendsPerDay { get; init; }
    [Id(7)] public int? MaxSendsPerWeek { get; init; }
    [Id(8)] public DateTimeOffset? ScheduledStart { get; init; }
    [Id(9)] public DateTimeOffset? ScheduledEnd { get; init; }
    [Id(10)] public IReadOnlyList<string> Cleared { get; init; } = [];
    [Id(11)] public string? ClonedFrom { get; init; }
    [Id(12)] public string? LinkedinAccountId { get; init; }
}

[GenerateSerializer, Immutable, Alias("campaigns.view")]
public sealed record CampaignView : IVersionedView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public string? Description { get; init; }
    [Id(3)] public required string Kind { get; init; }
    [Id(4)] public required string Status { get; init; }
    [Id(5)] public IReadOnlyList<CampaignStep> Steps { get; init; } = [];
    [Id(6)] public CampaignWindow Window { get; init; } = new();
    [Id(7)] public string TimeZone { get; init; } = "UTC";
    [Id(8)] public int? MaxSendsPerDay { get; init; }
    [Id(9)] public int? MaxSendsPerWeek { get; init; }
    [Id(10)] public DateTimeOffset? ScheduledStart { get; init; }
    [Id(11)] public DateTimeOffset? ScheduledEnd { get; init; }
    [Id(12)] public DateTimeOffset? ActivatedAt { get; init; }
    [Id(13)] public DateTimeOffset? CompletedAt { get; init; }
    [Id(14)] public string? ClonedFrom { get; init; }
    [Id(15)] public int Shards { get; init; } = CampaignKeys.DefaultShards;
    [Id(16)] public long Version { get; init; }
    [Id(17)] public DateTimeOffset CreatedAt { get; init; }
    [Id(18)] public DateTimeOffset UpdatedAt { get; init; }
    /// <summary>SAM's sending LinkedIn account: passed to the executor in <c>linkedin.send_requested</c>.</summary>
    [Id(19)] public string? LinkedinAccountId { get; init; }
}

/// <summary>What the shards run from: the campaign's status and definition at one version.</summary>
[GenerateSerializer, Immutable, Alias("campaigns.plan")]
public sealed record CampaignPlan(
    [property: Id(0)] string Status,
    [property: Id(1)] string Kind,
    [property: Id(2)] IReadOnlyList<CampaignStep> Steps,
    [property: Id(3)] CampaignWindow Window,
    [property: Id(4)] string TimeZone,
    [property: Id(5)] int? MaxSendsPerDay,
    [property: Id(6)] int? MaxSendsPerWeek,
    [property: Id(7)] DateTimeOffset? ScheduledStart,
    [property: Id(8)] DateTimeOffset? ScheduledEnd,
    [property: Id(9)] long Version,
    [property: Id(10)] string? LinkedinAccountId = null);

[GenerateSerializer, Immutable, Alias("campaigns.enrolment-request")]
public sealed record EnrolmentRequest(
    [property: Id(0)] string ContactId,
    [property: Id(1)] string? TimeZone,
    [property: Id(2)] int RepliesBefore);

[GenerateSerializer, Immutable, Alias("campaigns.enrolment-result")]
public sealed record EnrolmentResult(
    [property: Id(0)] IReadOnlyList<string> Enrolled,
    [property: Id(1)] IReadOnlyList<string> AlreadyEnrolled,
    [property: Id(2)] IReadOnlyList<string> NotFound);

/// <summary>One step's send: <see cref="Content"/> is the text that went out (LinkedIn steps and tasks; an email's is on the email).</summary>
[GenerateSerializer, Immutable, Alias("campaigns.step-send")]
public sealed record StepSend(
    [property: Id(0)] int Step,
    [property: Id(1)] string Type,
    [property: Id(2)] DateTimeOffset At,
    [property: Id(3)] string? Reference,
    [property: Id(4)] string Outcome,
    [property: Id(5)] string? Content = null,
    [property: Id(6)] string? Name = null);

/// <summary>An enrolled contact as SAM's campaign detail lists it.</summary>
[GenerateSerializer, Immutable, Alias("campaigns.prospect-row")]
public sealed record CampaignProspect(
    [property: Id(0)] string ContactId,
    [property: Id(1)] string? FirstName,
    [property: Id(2)] string? LastName,
    [property: Id(3)] string Status,
    [property: Id(4)] DateTimeOffset? ContactedAt);

[GenerateSerializer, Immutable, Alias("campaigns.conversation-message")]
public sealed record ConversationMessage(
    [property: Id(0)] string Id,
    [property: Id(1)] string Role,
    [property: Id(2)] string? Content,
    [property: Id(3)] string Type,
    [property: Id(4)] DateTimeOffset At,
    [property: Id(5)] string Status);

[GenerateSerializer, Immutable, Alias("campaigns.conversation")]
public sealed record CampaignConversation(
    [property: Id(0)] string Id,
    [property: Id(1)] string ContactId,
    [property: Id(2)] string? Name,
    [property: Id(3)] string? Email,
    [property: Id(4)] string? LinkedinUrl,
    [property: Id(5)] IReadOnlyList<ConversationMessage> Messages);

/// <summary>One contact in one campaign: the next step (0-based index), when it is due, what was sent.</summary>
[GenerateSerializer, Immutable, Alias("campaigns.enrolment")]
public sealed record EnrolmentView
{
    [Id(0)] public required string ContactId { get; init; }
    [Id(1)] public required string CampaignId { get; init; }
    [Id(2)] public required string Status { get; init; }
    [Id(3)] public int NextStep { get; init; }
    [Id(4)] public DateTimeOffset? NextDueAt { get; init; }
    [Id(5)] public string? TimeZone { get; init; }
    [Id(6)] public string? StopReason { get; init; }
    [Id(7)] public DateTimeOffset EnrolledAt { get; init; }
    [Id(8)] public DateTimeOffset? LastSentAt { get; init; }
    [Id(9)] public IReadOnlyList<StepSend> Sends { get; init; } = [];
    [Id(10)] public int RepliesBefore { get; init; }
    [Id(11)] public bool Connected { get; init; }
    [Id(12)] public bool Replied { get; init; }
    [Id(13)] public DateTimeOffset? StoppedAt { get; init; }
    [Id(14)] public DateTimeOffset? RepliedAt { get; init; }
}

[GenerateSerializer, Alias("campaigns.step-metrics")]
public sealed record StepMetrics
{
    [Id(0)] public int Sent { get; init; }
    [Id(1)] public int Failed { get; init; }
    [Id(2)] public int Connected { get; init; }
    [Id(3)] public int Replied { get; init; }
}

[GenerateSerializer, Immutable, Alias("campaigns.shard-metrics")]
public sealed record ShardMetrics(
    [property: Id(0)] int Enrolled,
    [property: Id(1)] int Active,
    [property: Id(2)] int Completed,
    [property: Id(3)] int Stopped,
    [property: Id(4)] int Contacted,
    [property: Id(5)] int Connected,
    [property: Id(6)] int Replied,
    [property: Id(7)] IReadOnlyDictionary<int, StepMetrics> Steps);

[GenerateSerializer, Immutable, Alias("campaigns.metrics")]
public sealed record CampaignMetrics(
    [property: Id(0)] int TotalProspects,
    [property: Id(1)] int Active,
    [property: Id(2)] int Completed,
    [property: Id(3)] int Stopped,
    [property: Id(4)] int Contacted,
    [property: Id(5)] int Connected,
    [property: Id(6)] int Replied,
    [property: Id(7)] decimal SuccessRate,
    [property: Id(8)] IReadOnlyList<StepMetrics> Steps);

public static class CampaignKeys
{
    public const string IdPrefix = "cmp";
    public const string ResourceType = "campaign";

    /// <summary>Shards per campaign: bounded whatever the number of contacts (the scale rule).</summary>
    public const int DefaultShards = 16;

    public const int MaxSteps = 50;
    public const int MaxBulkContacts = 1000;

    public static readonly IReadOnlyList<string> Statuses = ["draft", "active", "paused", "completed", "archived"];
    public static readonly IReadOnlyList<string> Kinds = ["campaign", "sequence"];
    public static readonly IReadOnlyList<string> Actions = ["activate", "pause", "resume", "complete", "archive"];

    public const string Email = "email";
    public const string LinkedinConnectionRequest = "linkedin_connection_request";
    public const string LinkedinMessage = "linkedin_message";
    public const string Wait = "wait";
    public const string Task = "task";
    public static readonly IReadOnlyList<string> StepTypes = [Email, LinkedinConnectionRequest, LinkedinMessage, Wait, Task];

    /// <summary>What the LinkedIn executor reports back.</summary>
    public static readonly IReadOnlyList<string> ReportStatuses = ["sent", "failed", "connected", "replied"];

    /// <summary>Why an enrolment stopped.</summary>
    public static readonly IReadOnlyList<string> StopReasons = ["replied", "unsubscribed", "bounced", "meeting_booked", "removed", "contact_deleted", "failed"];

    public static string Grain(string partition, string campaignId) => $"{partition}/{campaignId}";

    /// <summary>The shard a contact's due work lives in: a stable hash of its id.</summary>
    public static int ShardOf(string contactId, int shards)
    {
        var hash = 2166136261u;
        foreach (var c in contactId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (int)(hash % (uint)shards);
    }

    public static string Shard(string partition, string campaignId, int shard) => $"{partition}/{campaignId}/{shard}";

    /// <summary>
    /// The cap counters of a sending account, shared by every campaign of the partition that sends from it:
    /// <paramref name="account"/> is <c>email:{from-address}</c> or <c>linkedin:{linkedin_account_id}</c>.
    /// </summary>
    public static string AccountCap(string partition, string account) => $"{partition}/account:{account}";

    /// <summary>LinkedIn steps of a campaign without a <c>linkedin_account_id</c> go out from the executor's default account.</summary>
    public const string DefaultLinkedinAccount = "default";
}

public static class AutomationOperations
{
    public const string RunCampaigns = "run_campaigns";
    public const string EnrichLeads = "enrich_leads";
    public static readonly IReadOnlyList<string> All = [RunCampaigns, EnrichLeads];
    public const int MaxLimit = 1000;
}

public static class EnrolmentStatuses
{
    public const string InProgress = "in_progress";
    public const string Completed = "completed";
    public const string Stopped = "stopped";
}

/// <summary>
/// A partition's campaign automation (4Runr's <c>/automation/status</c>): the shards report each dispatch cycle and when
/// their next one is due. A cycle is one run of a shard of an active campaign that found steps due (timer or reminder).
/// </summary>
public interface ICampaignAutomationGrain : IGrainWithStringKey
{
    /// <summary>One-way: a shard never waits on the tracker. <paramref name="nextDue"/> null: the shard has nothing armed.</summary>
    [Orleans.Concurrency.OneWay]
    Task Report(string shard, CampaignCycle? cycle, DateTimeOffset? nextDue);

    Task<AutomationStatus> Status();

    /// <summary>
    /// 4Runr's manual operation. <c>run_campaigns</c>: run the due work of the waiting shards now (what their timers do),
    /// earliest first, at most <paramref name="limit"/>; <paramref name="force"/> also wakes shards whose next step is
    /// not due yet (re-arming their timer and reminder). <c>enrich_leads</c>: nothing enriches leads here, answered
    /// <c>skipped</c>. Another operation is 400 <c>operation</c>.
    /// </summary>
    Task<AutomationRun> Trigger(string operation, int? limit, bool force);
}

[GenerateSerializer, Immutable, Alias("campaigns.automation-run")]
public sealed record AutomationRun(
    [property: Id(0)] string Operation,
    [property: Id(1)] string Status,
    [property: Id(2)] int ShardsRun,
    [property: Id(3)] int StepsDispatched,
    [property: Id(4)] DateTimeOffset TriggeredAt,
    [property: Id(5)] string? Message);

[GenerateSerializer, Immutable, Alias("campaigns.cycle")]
public sealed record CampaignCycle(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] double Seconds,
    [property: Id(2)] int Dispatched);

[GenerateSerializer, Immutable, Alias("campaigns.automation-status")]
public sealed record AutomationStatus(
    [property: Id(0)] string Engine,
    [property: Id(1)] DateTimeOffset? LastCycle,
    [property: Id(2)] DateTimeOffset? NextCycle,
    [property: Id(3)] long CyclesCompleted,
    [property: Id(4)] double AverageCycleSeconds,
    [property: Id(5)] long StepsDispatched,
    [property: Id(6)] int ShardsWaiting);
