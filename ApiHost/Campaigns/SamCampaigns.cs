using System.Text.Json;
using ApiHost.Api;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>
/// SAM's campaign wire (<c>/api/campaigns</c>) on the one campaign model. Each message template is a LinkedIn step named by
/// its key: <c>connection_request</c> a <c>linkedin_connection_request</c> (no delay), each <c>follow_up_n</c> and the
/// <c>goodbye_message</c> a <c>linkedin_message</c> 3 days after the step before it (SAM's "follow-up 3 days later").
/// </summary>
public static class SamCampaigns
{
    public const string ConnectionRequest = "connection_request";
    public const int FollowUpDelayDays = 3;

    /// <summary>The only type SAM documents; a campaign of LinkedIn steps reads as it.</summary>
    public static readonly IReadOnlyList<string> CampaignTypes = [ConnectionRequest];

    public static readonly IReadOnlyList<string> TemplateKeys =
        [ConnectionRequest, "follow_up_1", "follow_up_2", "follow_up_3", "follow_up_4", "follow_up_5", "goodbye_message"];

    /// <summary>The prospects the campaign detail lists (the earliest enrolled); the metrics count them all.</summary>
    public const int ProspectsShown = 100;

    /// <summary>send-campaign's <c>message_type</c>: a template key, with SAM's <c>goodbye</c> for <c>goodbye_message</c> (both accepted).</summary>
    public static readonly IReadOnlyList<string> MessageTypes = [.. TemplateKeys.SkipLast(1), "goodbye", "goodbye_message"];

    /// <summary>The step a <c>message_type</c> names.</summary>
    public static string StepName(string messageType) => messageType == "goodbye" ? "goodbye_message" : messageType;

    /// <summary>A step's name as SAM's message <c>type</c> (<c>goodbye</c>); other steps by their type.</summary>
    public static string MessageType(string stepName) => stepName == "goodbye_message" ? "goodbye" : stepName;

    /// <summary>
    /// The create (<paramref name="current"/> null) or PUT body. A campaign is created with its connection request step
    /// even without a <c>connection_request</c> template (a request without a note), so SAM's create-then-activate
    /// works as its examples show. On PUT a template not given keeps its step, one given
    /// replaces that step's message (its delay stays), one set to null or "" removes its step; steps not made from a
    /// template (added through <c>/v1</c>) follow the template steps unchanged.
    /// </summary>
    public static CampaignFields Read(JsonElement body, IReadOnlyList<CampaignStep>? current)
    {
        var creating = current is null;
        var fields = new FieldReader(body);
        var name = fields.String("campaign_name", required: creating || fields.Has("campaign_name"));
        fields.Enum("campaign_type", CampaignTypes);
        var account = fields.String("linkedin_account_id", maxLength: 64);
        var templates = fields.Object("message_templates", ReadTemplates);
        var start = fields.Timestamp("scheduled_at");
        fields.ThrowIfInvalid();
        var steps = templates is null ? null : Steps(current ?? [], templates);
        if (creating && steps?.Any(s => s.Name == ConnectionRequest) != true)
        {
            steps = [Step(ConnectionRequest, null), .. steps ?? []];
        }
        return new CampaignFields
        {
            Name = name, Kind = creating ? "campaign" : null, LinkedinAccountId = FieldReader.Blank(account), ScheduledStart = start,
            Steps = steps,
            Cleared = creating ? [] : [.. ResourceRequests.ClearedFields(body, ["linkedin_account_id"]),
                .. ResourceRequests.ClearedFields(body, ["scheduled_at"]).Select(_ => "scheduled_start")],
        };
    }

    private static Dictionary<string, string?> ReadTemplates(FieldReader reader)
    {
        var templates = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var key in TemplateKeys.Where(reader.Has))
        {
            templates[key] = FieldReader.Blank(reader.String(key, maxLength: CampaignContract.MessageMaxLength, allowEmpty: true));
        }
        return templates;
    }

    private static List<CampaignStep> Steps(IReadOnlyList<CampaignStep> current, Dictionary<string, string?> changes)
    {
        var named = current.Where(IsTemplateStep).ToDictionary(s => s.Name!, StringComparer.Ordinal);
        List<CampaignStep> steps = [];
        foreach (var key in TemplateKeys)
        {
            if (!changes.TryGetValue(key, out var message))
            {
                steps.AddRange(named.TryGetValue(key, out var kept) ? [kept] : []);
            }
            else if (message is not null)
            {
                steps.Add(named.TryGetValue(key, out var existing) ? existing with { Message = message } : Step(key, message));
            }
        }
        return [.. steps, .. current.Where(s => !IsTemplateStep(s))];
    }

    private static CampaignStep Step(string key, string? message) => new()
    {
        Type = key == ConnectionRequest ? CampaignKeys.LinkedinConnectionRequest : CampaignKeys.LinkedinMessage,
        DelayDays = key == ConnectionRequest ? 0 : FollowUpDelayDays, Message = message, Name = key,
    };

    private static bool IsTemplateStep(CampaignStep step) => step.Name is { } name && TemplateKeys.Contains(name) &&
        step.Type is CampaignKeys.LinkedinConnectionRequest or CampaignKeys.LinkedinMessage;

    public static SamCampaign Campaign(CampaignView v, string workspaceId, CampaignMetrics? m = null, IReadOnlyList<CampaignProspect>? prospects = null)
    {
        string? Template(string key) => v.Steps.FirstOrDefault(s => IsTemplateStep(s) && s.Name == key)?.Message;
        var linkedinOnly = v.Steps.All(s => s.Type is CampaignKeys.LinkedinConnectionRequest or CampaignKeys.LinkedinMessage);
        return new SamCampaign(v.Id, workspaceId, v.Name, linkedinOnly ? ConnectionRequest : null, v.Status,
            v.LinkedinAccountId is { } account ? new SamLinkedinAccount(account) : null,
            new SamMessageTemplates
            {
                ConnectionRequest = Template(ConnectionRequest), FollowUp1 = Template("follow_up_1"), FollowUp2 = Template("follow_up_2"),
                FollowUp3 = Template("follow_up_3"), FollowUp4 = Template("follow_up_4"), FollowUp5 = Template("follow_up_5"),
                GoodbyeMessage = Template("goodbye_message"),
            },
            v.ScheduledStart, v.ScheduledEnd, v.CreatedAt, v.UpdatedAt,
            m is null ? null : new SamMetrics(m.TotalProspects, m.Contacted, m.Connected, m.Replied, m.SuccessRate),
            prospects?.Select(p => new SamCampaignProspect(p.ContactId, p.FirstName, p.LastName, p.Status, p.ContactedAt)).ToList());
    }
}
