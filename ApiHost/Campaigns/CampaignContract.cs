using System.Globalization;
using System.Text.Json;
using ApiHost.Api;
using Grains.Interfaces.Campaigns;

namespace ApiHost.Campaigns;

/// <summary>The campaign object on the wire: reading the definition (steps, window, caps, schedule) and shaping views.</summary>
public static class CampaignContract
{
    public const int MessageMaxLength = 8000;

    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private static readonly string[] Optional =
        ["description", "max_sends_per_day", "max_sends_per_week", "scheduled_start", "scheduled_end", "linkedin_account_id"];

    /// <summary>SalesOS's step types: <c>linkedin</c> is its name for a <c>linkedin_message</c>; the unified types are accepted too.</summary>
    public static readonly IReadOnlyList<string> SequenceStepTypes = ["linkedin", .. CampaignKeys.StepTypes];

    /// <summary>
    /// A campaign's definition; <paramref name="sequence"/>: SalesOS's <c>POST /v1/sequences</c> body, where the kind is
    /// <c>sequence</c>, a step may be <c>linkedin</c> and steps carry an <c>order</c> (1-based, unique; they run in that order).
    /// </summary>
    public static CampaignFields ReadCampaign(JsonElement body, bool creating, bool sequence = false)
    {
        var fields = new FieldReader(body);
        var name = fields.String("name", required: creating || fields.Has("name"));
        var description = fields.String("description", maxLength: FieldReader.DescriptionMaxLength);
        var kind = sequence ? "sequence" : fields.Enum("kind", CampaignKeys.Kinds);
        var steps = !fields.Has("steps") ? null : sequence ? ReadOrderedSteps(fields) : fields.Objects("steps", s => ReadStep(s, CampaignKeys.StepTypes));
        if (steps is { Count: > CampaignKeys.MaxSteps })
        {
            fields.Fail("steps", "too_many", $"A campaign has at most {CampaignKeys.MaxSteps} steps");
        }
        var window = fields.Object("send_window", ReadWindow);
        var zone = fields.String("time_zone", maxLength: 64);
        var perDay = fields.Integer("max_sends_per_day", min: 1, max: 1_000_000);
        var perWeek = fields.Integer("max_sends_per_week", min: 1, max: 10_000_000);
        var start = fields.Timestamp("scheduled_start");
        var end = fields.Timestamp("scheduled_end");
        var account = fields.String("linkedin_account_id", maxLength: 64);
        fields.ThrowIfInvalid();
        return new CampaignFields
        {
            Name = name, Description = FieldReader.Blank(description), Kind = kind, Steps = steps, Window = window, TimeZone = FieldReader.Blank(zone),
            MaxSendsPerDay = perDay, MaxSendsPerWeek = perWeek, ScheduledStart = start, ScheduledEnd = end, LinkedinAccountId = FieldReader.Blank(account),
            Cleared = creating ? [] : ResourceRequests.ClearedFields(body, Optional),
        };
    }

    private static IReadOnlyList<CampaignStep> ReadOrderedSteps(FieldReader fields)
    {
        var steps = fields.Objects("steps", s => (Order: s.Integer("order", min: 1, max: CampaignKeys.MaxSteps), Step: ReadStep(s, SequenceStepTypes)));
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Order is { } order && steps.Take(i).Any(s => s.Order == order))
            {
                fields.Fail($"steps[{i}].order", "duplicate", $"Another step already has order {order}");
            }
        }
        return [.. steps.Select((s, i) => (Position: s.Order ?? i + 1, s.Step)).OrderBy(s => s.Position).Select(s => s.Step)];
    }

    private static CampaignStep ReadStep(FieldReader step, IReadOnlyList<string> types) => new()
    {
        Type = step.Enum("type", types, required: true) switch { "linkedin" => CampaignKeys.LinkedinMessage, var type => type ?? "" },
        DelayDays = step.Integer("delay_days", min: 0, max: 365) ?? 0,
        DelayHours = step.Integer("delay_hours", min: 0, max: 8760) ?? 0,
        DelayMinutes = step.Integer("delay_minutes", min: 0, max: 525_600) ?? 0,
        TemplateId = FieldReader.Blank(step.String("template_id", maxLength: 64)),
        Message = FieldReader.Blank(step.String("message", maxLength: MessageMaxLength)),
        Name = FieldReader.Blank(step.String("name")),
    };

    private static CampaignWindow ReadWindow(FieldReader window)
    {
        var days = window.StringList("days", maxItems: 7, maxLength: 16);
        List<DayOfWeek> parsed = [];
        foreach (var day in days ?? [])
        {
            var index = Array.IndexOf(DayNames, day.ToLowerInvariant().Length >= 3 ? day.ToLowerInvariant()[..3] : day);
            if (index < 0)
            {
                window.Fail("days", "invalid", "days must be among: mon, tue, wed, thu, fri, sat, sun");
                break;
            }
            parsed.Add((DayOfWeek)index);
        }
        var start = Minute(window, "start", 0);
        var end = Minute(window, "end", 24 * 60);
        if (end <= start)
        {
            window.Fail("end", "invalid", "end must be after start");
        }
        return new CampaignWindow { Days = days is null ? [.. Enum.GetValues<DayOfWeek>()] : [.. parsed.Distinct()], StartMinute = start, EndMinute = end };
    }

    private static int Minute(FieldReader reader, string name, int fallback)
    {
        var text = reader.String(name, maxLength: 5);
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }
        if (text == "24:00")
        {
            return 24 * 60;
        }
        if (!TimeOnly.TryParseExact(text, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            reader.Fail(name, "invalid", $"{name} must be HH:mm");
            return fallback;
        }
        return time.Hour * 60 + time.Minute;
    }

    public static CampaignResource Resource(CampaignView v, CampaignMetrics? metrics = null) => new(v.Id, v.Name, v.Description, v.Kind, v.Status,
        [.. v.Steps.Select((s, i) => new CampaignStepRecord(i + 1, s.Type, s.DelayDays, s.DelayHours, s.DelayMinutes, s.TemplateId, s.Message, s.Name))],
        new SendWindowRecord([.. v.Window.Days.Order().Select(d => DayNames[(int)d])], Clock(v.Window.StartMinute), Clock(v.Window.EndMinute)),
        v.TimeZone, new CampaignScheduleRecord(v.ScheduledStart, v.ScheduledEnd, v.MaxSendsPerDay, v.MaxSendsPerWeek), v.ActivatedAt, v.CompletedAt,
        v.ClonedFrom, v.LinkedinAccountId, v.Version, v.CreatedAt, v.UpdatedAt, metrics is null ? null : Metrics(v, metrics));

    public static CampaignMetricsRecord Metrics(CampaignView v, CampaignMetrics m) => new(m.TotalProspects, m.Active, m.Completed, m.Stopped,
        m.Contacted, m.Connected, m.Replied, m.SuccessRate,
        [.. m.Steps.Select((s, i) => new CampaignStepMetricsRecord(i + 1, i < v.Steps.Count ? v.Steps[i].Type : "", s.Sent, s.Failed, s.Connected, s.Replied))]);

    public static EnrolmentResource Enrolment(EnrolmentView e) => new(
        Grains.Interfaces.Platform.ResourceIds.Derived("con_seq", $"{e.CampaignId}|{e.ContactId}"), e.ContactId, e.CampaignId, e.CampaignId, e.Status,
        e.NextStep + 1, e.NextDueAt, e.StopReason, e.TimeZone, e.EnrolledAt, e.LastSentAt, e.Connected, e.Replied,
        [.. e.Sends.Select(s => new StepSendRecord(s.Step + 1, s.Type, s.At, s.Reference, s.Outcome))]);

    private static string Clock(int minute) => minute >= 24 * 60 ? "24:00" : $"{minute / 60:00}:{minute % 60:00}";
}
