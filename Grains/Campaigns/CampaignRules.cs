using Grains.Emails;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Platform;

namespace Grains.Campaigns;

/// <summary>The campaign definition's rules (pure): valid steps, window, zone and caps; lifecycle transitions.</summary>
public static class CampaignRules
{
    public const int MaxDelayDays = 365;
    public const int MaxDelayHours = 24 * 365;
    public const int MaxDelayMinutes = 60 * 24 * 365;

    public static CampaignView New(string id, CampaignFields fields, DateTimeOffset now) => Checked(new CampaignView
    {
        Id = id, Name = fields.Name ?? "", Description = fields.Description, Kind = fields.Kind ?? "campaign", Status = "draft",
        Steps = fields.Steps ?? [], Window = fields.Window ?? new CampaignWindow(), TimeZone = fields.TimeZone ?? "UTC",
        MaxSendsPerDay = fields.MaxSendsPerDay, MaxSendsPerWeek = fields.MaxSendsPerWeek,
        ScheduledStart = fields.ScheduledStart, ScheduledEnd = fields.ScheduledEnd, LinkedinAccountId = fields.LinkedinAccountId,
        Version = 1, CreatedAt = now, UpdatedAt = now,
    });

    public static CampaignView Apply(CampaignView current, CampaignFields changes)
    {
        return Checked(current with
        {
            Name = changes.Name ?? current.Name,
            Description = changes.Patched(changes.Description, current.Description, "description"),
            Kind = changes.Kind ?? current.Kind,
            Steps = changes.Steps ?? current.Steps,
            Window = changes.Window ?? current.Window,
            TimeZone = changes.TimeZone ?? current.TimeZone,
            MaxSendsPerDay = changes.PatchedValue(changes.MaxSendsPerDay, current.MaxSendsPerDay, "max_sends_per_day"),
            MaxSendsPerWeek = changes.PatchedValue(changes.MaxSendsPerWeek, current.MaxSendsPerWeek, "max_sends_per_week"),
            ScheduledStart = changes.PatchedValue(changes.ScheduledStart, current.ScheduledStart, "scheduled_start"),
            ScheduledEnd = changes.PatchedValue(changes.ScheduledEnd, current.ScheduledEnd, "scheduled_end"),
            LinkedinAccountId = changes.Patched(changes.LinkedinAccountId, current.LinkedinAccountId, "linkedin_account_id"),
        });
    }

    /// <summary>Every rule at once; the first failure is a 400 naming its field.</summary>
    public static CampaignView Checked(CampaignView view)
    {
        if (string.IsNullOrWhiteSpace(view.Name))
        {
            throw DomainException.Invalid("name", "required", "name is required");
        }
        if (!CampaignKeys.Kinds.Contains(view.Kind))
        {
            throw DomainException.Invalid("kind", "invalid", $"kind must be one of: {string.Join(", ", CampaignKeys.Kinds)}");
        }
        if (view.Steps.Count > CampaignKeys.MaxSteps)
        {
            throw DomainException.Invalid("steps", "too_many", $"A campaign has at most {CampaignKeys.MaxSteps} steps");
        }
        for (var i = 0; i < view.Steps.Count; i++)
        {
            CheckStep(view.Steps[i], $"steps[{i}]");
        }
        Zone(view.TimeZone, "time_zone");
        var w = view.Window;
        if (w.Days.Count == 0)
        {
            throw DomainException.Invalid("send_window.days", "required", "A send window needs at least one day");
        }
        if (w.StartMinute < 0 || w.EndMinute > 24 * 60 || w.EndMinute <= w.StartMinute)
        {
            throw DomainException.Invalid("send_window", "invalid", "The send window's end must be after its start, within one day");
        }
        if (view.MaxSendsPerDay is < 1 || view.MaxSendsPerWeek is < 1)
        {
            throw DomainException.Invalid(view.MaxSendsPerDay is < 1 ? "max_sends_per_day" : "max_sends_per_week", "out_of_range", "A cap is at least 1");
        }
        if (view.ScheduledStart is { } start && view.ScheduledEnd is { } end && end <= start)
        {
            throw DomainException.Invalid("scheduled_end", "invalid", "scheduled_end must be after scheduled_start");
        }
        return view;
    }

    private static void CheckStep(CampaignStep step, string field)
    {
        if (!CampaignKeys.StepTypes.Contains(step.Type))
        {
            throw DomainException.Invalid($"{field}.type", "invalid", $"type must be one of: {string.Join(", ", CampaignKeys.StepTypes)}");
        }
        if (step.DelayDays is < 0 or > MaxDelayDays || step.DelayHours is < 0 or > MaxDelayHours || step.DelayMinutes is < 0 or > MaxDelayMinutes)
        {
            throw DomainException.Invalid($"{field}.delay", "out_of_range", "Delays are zero or more (days up to 365)");
        }
        if (step.Type == CampaignKeys.Email && string.IsNullOrEmpty(step.TemplateId))
        {
            throw DomainException.Invalid($"{field}.template_id", "required", "An email step needs a template_id");
        }
        if (step.Type is CampaignKeys.LinkedinConnectionRequest or CampaignKeys.LinkedinMessage or CampaignKeys.Task)
        {
            if (step.Type == CampaignKeys.LinkedinMessage && string.IsNullOrWhiteSpace(step.Message))
            {
                throw DomainException.Invalid($"{field}.message", "required", "A linkedin_message step needs a message");
            }
            if (step.Message is { } message)
            {
                EmailTemplating.Parse(message, $"{field}.message");
            }
        }
    }

    /// <summary>An IANA (or Windows) zone id; 400 naming the field when unknown.</summary>
    public static TimeZoneInfo Zone(string id, string field)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw DomainException.Invalid(field, "invalid", $"Unknown time zone {id}");
        }
    }

    public static SendWindow Window(CampaignWindow window) => new(window.Days.ToHashSet(),
        TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(window.StartMinute)),
        window.EndMinute >= 24 * 60 ? TimeOnly.MaxValue : TimeOnly.FromTimeSpan(TimeSpan.FromMinutes(window.EndMinute)));

    public static StepDelay Delay(CampaignStep step) => new(step.DelayDays, step.DelayHours, step.DelayMinutes);

    /// <summary>The status an action leads to, or 409 <c>conflict.campaign_status</c> naming what is allowed.</summary>
    public static string Transition(string status, string action)
    {
        var next = (action, status) switch
        {
            ("activate", "draft" or "paused") => "active",
            ("pause", "active") => "paused",
            ("resume", "paused") => "active",
            ("complete", "active" or "paused" or "draft") => "completed",
            ("archive", not "archived") => "archived",
            _ => null,
        };
        return next ?? throw DomainException.Conflict("conflict.campaign_status", $"A {status} campaign cannot {action}");
    }

    /// <summary>The event an action publishes (4Runr's campaign.started for activate; SAM's verbs otherwise).</summary>
    public static string EventOf(string action) => action switch
    {
        "activate" => "campaign.started",
        "pause" => "campaign.paused",
        "resume" => "campaign.resumed",
        "complete" => "campaign.completed",
        _ => "campaign.archived",
    };

    /// <summary>
    /// SAM's status of a campaign's contact, first match wins: <c>replied</c>, <c>connected</c>, <c>stopped</c> (another
    /// stop rule), <c>completed</c>, <c>connection_request_sent</c> (its last send was one), <c>contacted</c>, <c>pending</c>.
    /// </summary>
    public static string ProspectStatus(EnrolmentView e) =>
        e.Replied ? "replied"
        : e.Connected ? "connected"
        : e.Status == EnrolmentStatuses.Stopped ? "stopped"
        : e.Status == EnrolmentStatuses.Completed ? "completed"
        : e.Sends.LastOrDefault(s => s.Outcome is "sent" or "requested") is { } last
            ? last.Type == CampaignKeys.LinkedinConnectionRequest ? "connection_request_sent" : "contacted"
        : "pending";
}

/// <summary>The contact signals that stop a contact's campaigns, and the stop reason each gives.</summary>
public static class CampaignStops
{
    public static string? Reason(string engagementKind) => engagementKind switch
    {
        Contacts.EngagementKinds.Replied => "replied",
        Contacts.EngagementKinds.Unsubscribed => "unsubscribed",
        Contacts.EngagementKinds.HardBounced => "bounced",
        Contacts.EngagementKinds.MeetingAttended => "meeting_booked",
        _ => null,
    };
}
