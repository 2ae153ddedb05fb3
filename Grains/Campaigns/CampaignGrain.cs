using System.Text.Json;
using Grains.Events;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Projections;
using Grains.Platform;
using Grains.Projections;
using Grains.Resources;
using Microsoft.Extensions.Logging;

namespace Grains.Campaigns;

[GenerateSerializer, Alias("campaigns.state")]
public sealed class CampaignState : ResourceState<CampaignView>;

/// <summary>
/// A campaign or sequence: its definition and lifecycle on the one-transaction write path (<see cref="ResourceGrain{TState,TRecord}"/>).
/// The contacts and their due work are in <see cref="CampaignKeys.DefaultShards"/> shard grains; this grain tells them
/// when the plan changes (<see cref="ICampaignShardGrain.Wake"/>) and answers their <see cref="Plan"/> reads. One
/// reminder while a <c>scheduled_end</c> is pending completes the campaign.
/// </summary>
public sealed class CampaignGrain(
    [PersistentState("campaign")] IPersistentState<CampaignState> state,
    IGrainFactory grains,
    IProjectionStore projections,
    TimeProvider time,
    ILogger<CampaignGrain> logger) : ResourceGrain<CampaignState, CampaignView>(state, projections, logger), ICampaignGrain
{
    public const string EndReminder = "campaign-end";
    private static readonly TimeSpan EndCheckPeriod = TimeSpan.FromMinutes(15);

    public async Task<CampaignView> Create(CampaignFields fields)
    {
        EnsureNew("A campaign");
        var view = CampaignRules.New(ResourceId, fields, time.GetUtcNow()) with { ClonedFrom = fields.ClonedFrom };
        await CheckTemplates(view.Steps);
        await Commit(view, Outbox.Event(view.Kind == "sequence" ? "sequence.created" : "campaign.created", view.CreatedAt, Payload(view)));
        return view;
    }

    public Task<CampaignView> Get(CancellationToken cancellationToken = default) => Task.FromResult(Existing());

    public async Task<CampaignView> Update(CampaignFields changes, long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        if (current.Status == "archived")
        {
            throw DomainException.Conflict("conflict.campaign_status", "An archived campaign cannot be edited");
        }
        var next = CampaignRules.Apply(current, changes) with { Version = Current.Version + 1, UpdatedAt = time.GetUtcNow() };
        if (changes.Steps is not null)
        {
            await CheckTemplates(next.Steps);
        }
        if (next.Status == "active" && next.Steps.Count == 0)
        {
            throw DomainException.Invalid("steps", "required", "An active campaign needs at least one step");
        }
        await Commit(next, Outbox.Event("campaign.updated", next.UpdatedAt, Payload(next)));
        await Changed(next);
        return next;
    }

    public async Task Delete(long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        if (current.Status == "active")
        {
            throw DomainException.Conflict("conflict.campaign_active", "Pause the campaign before deleting it");
        }
        var now = time.GetUtcNow();
        await Commit(null, Outbox.Event("campaign.deleted", now, new { id = current.Id, campaign_id = current.Id, deleted_at = now }));
        await WakeShards(current, Plan(current with { Status = "deleted" }));
    }

    public async Task<CampaignView> Act(string action, long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        var status = CampaignRules.Transition(current.Status, action);
        if (status == "active" && current.Steps.Count == 0)
        {
            throw DomainException.Conflict("conflict.campaign_has_no_steps", "Add at least one step before activating the campaign");
        }
        var now = time.GetUtcNow();
        var next = current with
        {
            Status = status, Version = Current.Version + 1, UpdatedAt = now,
            ActivatedAt = action == "activate" ? current.ActivatedAt ?? now : current.ActivatedAt,
            CompletedAt = status == "completed" ? now : current.CompletedAt,
        };
        await Commit(next, Outbox.Event(CampaignRules.EventOf(action), now, Payload(next)));
        await Changed(next);
        return next;
    }

    public async Task<CampaignView> Schedule(DateTimeOffset? start, DateTimeOffset? end, long? expectedVersion)
    {
        var current = ExistingAt(expectedVersion, What);
        if (current.Status is "completed" or "archived")
        {
            throw DomainException.Conflict("conflict.campaign_status", $"A {current.Status} campaign cannot be scheduled");
        }
        if (current.Steps.Count == 0)
        {
            throw DomainException.Conflict("conflict.campaign_has_no_steps", "Add at least one step before scheduling the campaign");
        }
        var now = time.GetUtcNow();
        // A scheduled draft is active: its shards send nothing before scheduled_start.
        var next = CampaignRules.Checked(current with
        {
            ScheduledStart = start ?? current.ScheduledStart, ScheduledEnd = end ?? current.ScheduledEnd,
            Status = current.Status == "draft" ? "active" : current.Status,
            ActivatedAt = current.Status == "draft" ? now : current.ActivatedAt,
            Version = Current.Version + 1, UpdatedAt = now,
        });
        await Commit(next, Outbox.Event("campaign.scheduled", now, Payload(next)));
        await Changed(next);
        return next;
    }

    public async Task<CampaignView> Clone(string newId, string? name)
    {
        var current = Existing();
        return await grains.GetGrain<ICampaignGrain>(CampaignKeys.Grain(Partition, newId)).Create(new CampaignFields
        {
            Name = name ?? $"{current.Name} (copy)", Description = current.Description, Kind = current.Kind, Steps = current.Steps,
            Window = current.Window, TimeZone = current.TimeZone, MaxSendsPerDay = current.MaxSendsPerDay,
            MaxSendsPerWeek = current.MaxSendsPerWeek, ClonedFrom = current.Id, LinkedinAccountId = current.LinkedinAccountId,
        });
    }

    public async Task<EnrolmentResult> Enrol(IReadOnlyList<string> contactIds, string? timeZone)
    {
        var current = Existing();
        if (current.Status is "completed" or "archived")
        {
            throw DomainException.Conflict("conflict.campaign_status", $"A {current.Status} campaign takes no more contacts");
        }
        if (timeZone is not null)
        {
            CampaignRules.Zone(timeZone, "time_zone");
        }
        var ids = contactIds.Distinct(StringComparer.Ordinal).ToList();
        var found = await Task.WhenAll(ids.Select(async id =>
        {
            try
            {
                var contact = await grains.GetGrain<IContactGrain>(ContactKeys.Grain(Partition, id)).Get();
                return new EnrolmentRequest(id, timeZone, contact.Engagement.EmailReplies);
            }
            catch (DomainException ex) when (ex.IsNotFound)
            {
                return null;
            }
        }));
        var plan = Plan(current);
        var enrolled = await Task.WhenAll(found.OfType<EnrolmentRequest>()
            .GroupBy(r => CampaignKeys.ShardOf(r.ContactId, current.Shards))
            .Select(g => Shard(g.Key).Enrol([.. g], plan)));
        var added = enrolled.SelectMany(e => e).ToHashSet(StringComparer.Ordinal);
        return new EnrolmentResult(
            [.. ids.Where(added.Contains)],
            [.. found.OfType<EnrolmentRequest>().Select(r => r.ContactId).Where(id => !added.Contains(id))],
            [.. ids.Where((_, i) => found[i] is null)]);
    }

    public async Task<EnrolmentView> Remove(string contactId, string reason) =>
        await ShardOf(contactId).Stop(contactId, reason) ?? throw DomainException.NotFound("Enrolment");

    public async Task<EnrolmentView> Enrolment(string contactId) =>
        await ShardOf(contactId).Find(contactId) ?? throw DomainException.NotFound("Enrolment");

    public async Task<EnrolmentView> Report(string contactId, int step, string status)
    {
        var enrolment = await ShardOf(contactId).Report(contactId, step, status) ?? throw DomainException.NotFound("Enrolment");
        if (status == "replied")
        {
            // A reply stops the contact in every campaign of the tenant.
            await grains.GetGrain<ICampaignDirectoryGrain>(Partition).StopContact(contactId, "replied");
        }
        return enrolment;
    }

    public async Task<CampaignMetrics> Metrics()
    {
        var current = Existing();
        var shards = await Task.WhenAll(Enumerable.Range(0, current.Shards).Select(i => Shard(i).Metrics()));
        var steps = Enumerable.Range(0, current.Steps.Count).Select(i => shards.Aggregate(new StepMetrics(), (sum, s) =>
            s.Steps.GetValueOrDefault(i) is { } m
                ? new StepMetrics { Sent = sum.Sent + m.Sent, Failed = sum.Failed + m.Failed, Connected = sum.Connected + m.Connected, Replied = sum.Replied + m.Replied }
                : sum)).ToList();
        var contacted = shards.Sum(s => s.Contacted);
        var replied = shards.Sum(s => s.Replied);
        return new CampaignMetrics(shards.Sum(s => s.Enrolled), shards.Sum(s => s.Active), shards.Sum(s => s.Completed), shards.Sum(s => s.Stopped),
            contacted, shards.Sum(s => s.Connected), replied, contacted == 0 ? 0m : Math.Round((decimal)replied / contacted, 4), steps);
    }

    public async Task<IReadOnlyList<CampaignProspect>> Prospects(int limit)
    {
        var current = Existing();
        var shards = await Task.WhenAll(Enumerable.Range(0, current.Shards).Select(i => Shard(i).Earliest(limit)));
        var earliest = shards.SelectMany(e => e).OrderBy(e => e.EnrolledAt).ThenBy(e => e.ContactId, StringComparer.Ordinal).Take(limit).ToList();
        var contacts = await Task.WhenAll(earliest.Select(e => ContactOrNull(e.ContactId)));
        return [.. earliest.Select((e, i) => new CampaignProspect(e.ContactId, contacts[i]?.FirstName, contacts[i]?.LastName, CampaignRules.ProspectStatus(e),
            e.Sends.FirstOrDefault(s => s.Outcome is "sent" or "requested")?.At))];
    }

    public async Task<StepSend> SendStep(string contactId, string stepName, string message)
    {
        var current = Existing();
        if (current.Status is "completed" or "archived")
        {
            throw DomainException.Conflict("conflict.campaign_status", $"A {current.Status} campaign sends nothing");
        }
        var step = current.Steps.ToList().FindIndex(s => s.Name == stepName);
        if (step < 0)
        {
            throw DomainException.Invalid("message_type", "not_found", $"The campaign has no {stepName} message");
        }
        return await ShardOf(contactId).SendStep(contactId, step, message, Plan(current)) ?? throw DomainException.NotFound("Prospect");
    }

    public async Task<CampaignConversation> Conversation(string contactId, int limit)
    {
        var enrolment = await ShardOf(contactId).Find(contactId) ?? throw DomainException.NotFound("Prospect");
        var contact = await ContactOrNull(contactId);
        List<ConversationMessage> messages = [.. enrolment.Sends
            .Where(s => s.Type is CampaignKeys.Email or CampaignKeys.LinkedinConnectionRequest or CampaignKeys.LinkedinMessage && s.Outcome != "skipped")
            .Select(s => new ConversationMessage(s.Reference ?? ResourceIds.Derived("msg", $"{GrainKey}|{contactId}|{s.Step}"), "outbound", s.Content,
                s.Name ?? s.Type, s.At, s.Outcome))];
        if (enrolment.Replied)
        {
            messages.Add(new ConversationMessage(ResourceIds.Derived("msg", $"{GrainKey}|{contactId}|reply"), "inbound", null, "reply",
                enrolment.RepliedAt ?? enrolment.StoppedAt ?? enrolment.LastSentAt ?? enrolment.EnrolledAt, "received"));
        }
        return new CampaignConversation(ResourceIds.Derived("conv", $"{GrainKey}|{contactId}"), contactId, contact?.Name, contact?.Email,
            contact?.LinkedinUrl, [.. messages.OrderBy(m => m.At).TakeLast(limit)]);
    }

    public Task<CampaignPlan> Plan() => Task.FromResult(Plan(Existing()));

    public override async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != EndReminder)
        {
            await base.ReceiveReminder(reminderName, status);
            return;
        }
        if (Current.Record is { } current && current.ScheduledEnd is { } end && time.GetUtcNow() >= end
            && current.Status is "active" or "paused" or "draft")
        {
            await Act("complete", null);
            return;
        }
        await ArmEnd(Current.Record);
    }

    protected override string ResourceType => CampaignKeys.ResourceType;

    protected override ProjectionRow ToRow(CampaignView record) => new(Partition, CampaignKeys.ResourceType, record.Id, record.Version,
        record.Status, record.CreatedAt, record.UpdatedAt, new Dictionary<string, string> { ["kind"] = record.Kind },
        [.. SearchWords.Of(record.Name).Distinct(StringComparer.Ordinal)], ResourceDocuments.Write(record));

    private static CampaignPlan Plan(CampaignView v) => new(v.Status, v.Kind, v.Steps, v.Window, v.TimeZone, v.MaxSendsPerDay,
        v.MaxSendsPerWeek, v.ScheduledStart, v.ScheduledEnd, v.Version, v.LinkedinAccountId);

    /// <summary>After a change: the shards take the new plan (pause stops their timers, activate/resume starts them), the end is re-armed.</summary>
    private async Task Changed(CampaignView next)
    {
        await WakeShards(next, Plan(next));
        await ArmEnd(next);
    }

    private Task WakeShards(CampaignView view, CampaignPlan plan) =>
        Task.WhenAll(Enumerable.Range(0, view.Shards).Select(i => Shard(i).Wake(plan)));

    private async Task ArmEnd(CampaignView? view)
    {
        try
        {
            var reminder = await this.GetReminder(EndReminder);
            if (view?.ScheduledEnd is { } end && view.Status is "active" or "paused" or "draft")
            {
                var due = end - time.GetUtcNow();
                due = due < TimeSpan.Zero ? TimeSpan.Zero : due > EndCheckPeriod ? EndCheckPeriod : due;
                await this.RegisterOrUpdateReminder(EndReminder, due, EndCheckPeriod);
            }
            else if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            // The shards stop sending at scheduled_end on their own; only the status change waits for the next try.
            logger.LogWarning(ex, "Arming the end reminder of {Campaign} failed", GrainKey);
        }
    }

    private async Task CheckTemplates(IReadOnlyList<CampaignStep> steps)
    {
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].TemplateId is not { } templateId)
            {
                continue;
            }
            try
            {
                await grains.GetGrain<IEmailTemplateGrain>(EmailTemplateKeys.Grain(Partition, templateId)).Get();
            }
            catch (DomainException ex) when (ex.IsNotFound)
            {
                throw DomainException.Invalid($"steps[{i}].template_id", "not_found", $"Template {templateId} not found");
            }
        }
    }

    private async Task<ContactView?> ContactOrNull(string contactId)
    {
        try
        {
            return await grains.GetGrain<IContactGrain>(ContactKeys.Grain(Partition, contactId)).Get();
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private ICampaignShardGrain Shard(int shard) => grains.GetGrain<ICampaignShardGrain>(CampaignKeys.Shard(Partition, ResourceId, shard));

    private ICampaignShardGrain ShardOf(string contactId) => Shard(CampaignKeys.ShardOf(contactId, Existing().Shards));

    private const string What = "Campaign";

    private CampaignView Existing() => Existing(What);

    private static object Payload(CampaignView v) => new
    {
        id = v.Id, campaign_id = v.Id, name = v.Name, kind = v.Kind, status = v.Status, steps = v.Steps.Count,
        scheduled_start = v.ScheduledStart, scheduled_end = v.ScheduledEnd, updated_at = v.UpdatedAt,
    };
}

/// <summary>Lists a partition's campaigns from the projection and stops a contact in all of them (stateless, keyed by partition).</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class CampaignDirectoryGrain(IProjectionStore projections, IGrainFactory grains, ILogger<CampaignDirectoryGrain> logger)
    : Grain, ICampaignDirectoryGrain
{
    private const int PageSize = 200;

    public async Task<ListPage<CampaignView>> List(ListQuery query, CancellationToken cancellationToken = default)
    {
        var tokens = string.IsNullOrWhiteSpace(query.Search) ? null : SearchWords.Of(query.Search).Distinct(StringComparer.Ordinal).ToList();
        var page = await projections.QueryAsync(this.GetPrimaryKeyString(), CampaignKeys.ResourceType, query, tokens, cancellationToken);
        return new ListPage<CampaignView>([.. page.Items.Select(row => FromDocument(row.Document))], page.Total, page.NextCursor, page.PrevCursor, page.HasMore);
    }

    public async Task StopContact(string contactId, string reason)
    {
        var partition = this.GetPrimaryKeyString();
        var offset = 0;
        while (true)
        {
            var page = await projections.QueryAsync(partition, CampaignKeys.ResourceType, new ListQuery(Limit: PageSize, Offset: offset), null);
            await Task.WhenAll(page.Items.Select(row => FromDocument(row.Document)).Select(async campaign =>
            {
                try
                {
                    await grains.GetGrain<ICampaignShardGrain>(CampaignKeys.Shard(partition, campaign.Id, CampaignKeys.ShardOf(contactId, campaign.Shards)))
                        .Stop(contactId, reason);
                }
                catch (Exception ex)
                {
                    // The shard's dispatch reads the contact before each step and stops it there too.
                    logger.LogWarning(ex, "Stopping {Contact} in campaign {Campaign} failed", contactId, campaign.Id);
                }
            }));
            if (!page.HasMore || page.Items.Count == 0)
            {
                return;
            }
            offset += page.Items.Count;
        }
    }

    private static CampaignView FromDocument(string document) =>
        ResourceDocuments.Read<CampaignView>(document);
}
