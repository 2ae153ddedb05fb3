using Grains.Emails;
using Grains.Interfaces.Campaigns;
using Grains.Interfaces.Contacts;
using Grains.Interfaces.Emails;
using Grains.Interfaces.Events;
using Grains.Interfaces.Platform;
using Grains.Interfaces.Telemetry;
using Microsoft.Extensions.Logging;

namespace Grains.Campaigns;

/// <summary>The run: due enrolments in order, the window and caps, the dispatch, then one state write for the batch.</summary>
public sealed partial class CampaignShardGrain
{
    /// <summary>Steps dispatched per turn; more due work re-arms the timer at once.</summary>
    public const int MaxBatch = 500;

    private sealed record Outcome(string Kind, string? Reference = null, string? Detail = null, OutboxEvent? Event = null, string? Content = null);

    public async Task<int> Tick()
    {
        try
        {
            plan = await grains.GetGrain<ICampaignGrain>(CampaignKeys.Grain(Partition, CampaignId)).Plan();
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            plan = null; // deleted: nothing more to run
        }
        var now = time.GetUtcNow();
        if (plan is not { Status: "active" } p || p.ScheduledEnd is { } end && now >= end)
        {
            await Disarm();
            return 0;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var due = state.State.Enrolments.Values
            .Where(e => e.Status == EnrolmentStatuses.InProgress && (e.NextDueAt ?? DateTimeOffset.MinValue) <= now)
            .OrderBy(e => e.NextDueAt).Take(MaxBatch).ToList();
        if (due.Count == 0)
        {
            await Arm();
            return 0;
        }
        var window = CampaignRules.Window(p.Window);
        List<OutboxEvent> events = [];
        List<(EnrolmentView E, CampaignStep Step)> ready = [];
        foreach (var e in due)
        {
            if (e.NextStep >= p.Steps.Count)
            {
                Finish(e, now, events); // the campaign was edited to fewer steps: nothing is left for this contact
                continue;
            }
            var zone = Zone(e.TimeZone ?? p.TimeZone);
            var opening = window.NextOpening(p.ScheduledStart is { } start && start > now ? start : now, zone);
            if (opening > now)
            {
                state.State.Enrolments[e.ContactId] = e with { NextDueAt = opening }; // outside the window (after a pause, an edit): wait for it
                continue;
            }
            ready.Add((e, p.Steps[e.NextStep]));
        }
        ready = await WithinCaps(ready, p, window, now);
        using var inFlight = new SemaphoreSlim(Math.Max(1, options.Value.MaxStepsInFlight));
        var outcomes = await Task.WhenAll(ready.Select(r => DispatchOrRetry(r.E, r.Step, p, now, inFlight)));
        if (outcomes.Count(o => o.Kind == "retry") is > 0 and var retried)
        {
            logger.LogInformation("{Retried} of {Count} steps in {Shard} got no answer ({Error}); they stay due", retried, ready.Count, Key,
                outcomes.First(o => o.Kind == "retry").Detail);
        }
        for (var i = 0; i < ready.Count; i++)
        {
            Apply(ready[i].E, ready[i].Step, outcomes[i], p, window, now, events);
        }
        await Publish(events);
        await state.WriteStateAsync();
        for (var i = 0; i < ready.Count; i++)
        {
            if (outcomes[i].Kind is "sent" or "requested" or "created")
            {
                SalesboothMetrics.CampaignStepDispatched(ready[i].Step.Type, now - (ready[i].E.NextDueAt ?? now));
            }
        }
        var dispatched = outcomes.Count(o => o.Kind is "sent" or "requested" or "created");
        cycle = new CampaignCycle(now, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds, dispatched);
        await Arm(again: due.Count == MaxBatch);
        return dispatched;
    }

    public async Task<StepSend?> SendStep(string contactId, int step, string message, CampaignPlan p)
    {
        plan = p;
        if (state.State.Enrolments.GetValueOrDefault(contactId) is not { } e)
        {
            return null;
        }
        if (e.Status != EnrolmentStatuses.InProgress)
        {
            throw DomainException.Conflict("conflict.enrolment_not_in_progress", $"The contact's part in this campaign is {e.Status}");
        }
        if (e.NextStep != step)
        {
            throw DomainException.Conflict("conflict.step_not_next",
                $"Step {step + 1} is not the contact's next step (step {e.NextStep + 1}); each step goes out once, in order");
        }
        var now = time.GetUtcNow();
        var window = CampaignRules.Window(p.Window);
        var chosen = p.Steps[step] with { Message = message };
        if ((await WithinCaps([(e, chosen)], p, window, now)).Count == 0)
        {
            await state.WriteStateAsync(); // carried to the next day's window
            throw DomainException.Conflict("conflict.send_cap_reached",
                $"Today's send cap is reached; the step goes out at {state.State.Enrolments[contactId].NextDueAt:O}");
        }
        using var inFlight = new SemaphoreSlim(1);
        var outcome = await DispatchOrRetry(e, chosen, p, now, inFlight);
        if (outcome.Kind == "retry")
        {
            throw new TimeoutException($"The step's channel did not answer ({outcome.Detail}); it is still due");
        }
        List<OutboxEvent> events = [];
        Apply(e, chosen, outcome, p, window, now, events);
        await Publish(events);
        await state.WriteStateAsync();
        await Arm();
        if (outcome.Kind == "stop")
        {
            throw DomainException.Conflict("conflict.enrolment_not_in_progress", $"The contact is stopped ({outcome.Detail}); nothing was sent");
        }
        return state.State.Enrolments[contactId].Sends.Last();
    }

    /// <summary>When an enrolment's next step is due: its delay after the previous send (or enrolment), then the window in its zone.</summary>
    private static DateTimeOffset? DueAfter(EnrolmentView e, DateTimeOffset previous, CampaignPlan plan) =>
        e.NextStep >= plan.Steps.Count ? null
            : SequenceSchedule.NextSend(previous, CampaignRules.Delay(plan.Steps[e.NextStep]), CampaignRules.Window(plan.Window),
                Zone(e.TimeZone ?? plan.TimeZone));

    /// <summary>
    /// The sends the caps admit (waits and tasks are free): first the campaign's day and week (its zone), then each
    /// sending account's (UTC days, shared by every campaign sending from it). A refused send carries to the next day's
    /// window; a campaign grant the account then refuses is given back.
    /// </summary>
    private async Task<List<(EnrolmentView E, CampaignStep Step)>> WithinCaps(List<(EnrolmentView E, CampaignStep Step)> ready, CampaignPlan p,
        SendWindow window, DateTimeOffset now)
    {
        var sends = ready.Where(r => IsSend(r.Step)).ToList();
        if (sends.Count == 0)
        {
            return ready;
        }
        var carried = new HashSet<string>(StringComparer.Ordinal);
        (ICampaignCapGrain Cap, DateOnly Day)? campaignCap = null;
        if (p.MaxSendsPerDay is not null || p.MaxSendsPerWeek is not null)
        {
            var capZone = Zone(p.TimeZone);
            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, capZone).DateTime);
            campaignCap = (grains.GetGrain<ICampaignCapGrain>(CampaignKeys.Grain(Partition, CampaignId)), day);
            var granted = await campaignCap.Value.Cap.Take(day, p.MaxSendsPerDay, p.MaxSendsPerWeek, sends.Count);
            Carry(sends.Skip(granted), day, capZone);
            sends = [.. sends.Take(granted)];
        }
        foreach (var account in sends.GroupBy(r => r.Step.Type == CampaignKeys.Email ? "email" : "linkedin"))
        {
            if (options.Value.AccountCaps(account.Key) is not { } caps || await SendingAccount(account.Key, p) is not { } name)
            {
                continue;
            }
            var day = DateOnly.FromDateTime(now.UtcDateTime);
            var wanted = account.ToList();
            var granted = await grains.GetGrain<ICampaignCapGrain>(CampaignKeys.AccountCap(Partition, name))
                .Take(day, caps.PerDay, caps.PerWeek, wanted.Count);
            Carry(wanted.Skip(granted), day, TimeZoneInfo.Utc);
            if (campaignCap is { } c && wanted.Count > granted)
            {
                await c.Cap.GiveBack(c.Day, wanted.Count - granted);
            }
        }
        return [.. ready.Where(r => !carried.Contains(r.E.ContactId))];

        void Carry(IEnumerable<(EnrolmentView E, CampaignStep Step)> refused, DateOnly day, TimeZoneInfo zone)
        {
            foreach (var (e, _) in refused)
            {
                carried.Add(e.ContactId);
                var nextDay = SendWindow.At(day.AddDays(1), TimeOnly.MinValue, zone);
                state.State.Enrolments[e.ContactId] = e with { NextDueAt = window.NextOpening(nextDay, Zone(e.TimeZone ?? p.TimeZone)) };
            }
        }
    }

    /// <summary>
    /// The sending account of a kind of send: <c>email:{from-address}</c> (the tenant's sending account; none set: no
    /// account cap, the email channel refuses the step anyway) or <c>linkedin:{linkedin_account_id}</c>.
    /// </summary>
    private async Task<string?> SendingAccount(string kind, CampaignPlan p)
    {
        if (kind == "linkedin")
        {
            return $"linkedin:{p.LinkedinAccountId ?? CampaignKeys.DefaultLinkedinAccount}";
        }
        try
        {
            var account = await grains.GetGrain<ISendingAccountGrain>(Partition).Get();
            return $"email:{account.FromEmail.Trim().ToLowerInvariant()}";
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    private static bool IsSend(CampaignStep step) => step.Type is CampaignKeys.Email or CampaignKeys.LinkedinConnectionRequest or CampaignKeys.LinkedinMessage;

    /// <summary>
    /// A step whose dispatch got no answer (a call timed out under load, a silo went away) stays due, untouched: the rest
    /// of the turn is still recorded, and the next turn (at once: it is due) dispatches it again under the same id, so an
    /// email that was in fact requested is found there ("already requested") and nothing goes out twice.
    /// </summary>
    private async Task<Outcome> DispatchOrRetry(EnrolmentView e, CampaignStep step, CampaignPlan p, DateTimeOffset now, SemaphoreSlim inFlight)
    {
        await inFlight.WaitAsync();
        try
        {
            return await Dispatch(e, step, p, now);
        }
        catch (Exception ex) when (ex is not DomainException)
        {
            return new Outcome("retry", Detail: ex.GetType().Name);
        }
        finally
        {
            inFlight.Release();
        }
    }

    /// <summary>
    /// One step for one contact. The contact is read first (the stop rules' safety net: a reply, unsubscribe or bounce
    /// recorded on it stops the sequence even if the tenant-wide stop has not reached this shard yet).
    /// </summary>
    private async Task<Outcome> Dispatch(EnrolmentView e, CampaignStep step, CampaignPlan p, DateTimeOffset now)
    {
        ContactView contact;
        try
        {
            contact = await grains.GetGrain<IContactGrain>(ContactKeys.Grain(Partition, e.ContactId)).Get();
        }
        catch (DomainException ex) when (ex.IsNotFound)
        {
            return new Outcome("stop", Detail: "contact_deleted");
        }
        if (contact.UnsubscribedAt is not null || contact.BouncedAt is not null)
        {
            return new Outcome("stop", Detail: contact.UnsubscribedAt is not null ? "unsubscribed" : "bounced");
        }
        if (contact.Engagement.EmailReplies > e.RepliesBefore)
        {
            return new Outcome("stop", Detail: "replied");
        }
        var what = $"step-{e.NextStep}";
        try
        {
            switch (step.Type)
            {
                case CampaignKeys.Wait:
                    return new Outcome("waited");
                case CampaignKeys.Email:
                    var emailId = ResourceIds.Derived(EmailKeys.IdPrefix, $"{Partition}/{CampaignId}|{e.ContactId}|{what}");
                    try
                    {
                        await grains.GetGrain<IEmailGrain>(EmailKeys.Grain(Partition, emailId)).Request(new EmailRequest
                        {
                            // The shard's record is the step's durability: an event-channel email goes out in its first write.
                            ContactId = e.ContactId, TemplateId = step.TemplateId!, PublishAtOnce = true,
                        });
                    }
                    catch (DomainException ex) when (ex.Code == "conflict.already_exists")
                    {
                        // Requested by a run that did not live to record it: the email is there, once.
                    }
                    return new Outcome("sent", emailId);
                case CampaignKeys.Task:
                    var task = Render(step.Message, contact);
                    return new Outcome("created", Content: task, Event: Event("campaign.task_due", e.ContactId, what, now, new
                    {
                        campaign_id = CampaignId, contact_id = e.ContactId, step = e.NextStep, name = step.Name, message = task,
                    }));
                default:
                    if (contact.LinkedinUrl is null)
                    {
                        return new Outcome("skipped", Detail: "contact has no linkedin_url");
                    }
                    var text = Render(step.Message, contact);
                    var evt = Event("linkedin.send_requested", e.ContactId, what, now, new
                    {
                        campaign_id = CampaignId, contact_id = e.ContactId, step = e.NextStep, action = step.Type, linkedin_url = contact.LinkedinUrl,
                        message = text, first_name = contact.FirstName, last_name = contact.LastName,
                        linkedin_account_id = p.LinkedinAccountId,
                    });
                    return new Outcome("requested", evt.Id, Event: evt, Content: text);
            }
        }
        catch (DomainException ex) when (ex.Code == "conflict.contact_suppressed")
        {
            return new Outcome("stop", Detail: contact.UnsubscribedAt is not null ? "unsubscribed" : "bounced");
        }
        catch (DomainException ex)
        {
            // The channel refused the step for good (a missing variable, no sending account, a deleted template).
            logger.LogInformation("Step {Step} of {Contact} in {Shard} failed: {Error}", e.NextStep, e.ContactId, Key, ex.Message);
            return new Outcome("failed", Detail: ex.Message);
        }
    }

    private void Apply(EnrolmentView e, CampaignStep step, Outcome outcome, CampaignPlan p, SendWindow window, DateTimeOffset now, List<OutboxEvent> events)
    {
        if (outcome.Event is { } evt)
        {
            events.Add(evt);
        }
        switch (outcome.Kind)
        {
            case "retry":
                return; // still due: the next turn dispatches it again
            case "stop":
                state.State.Enrolments[e.ContactId] = e with
                {
                    Status = EnrolmentStatuses.Stopped, StopReason = outcome.Detail, StoppedAt = now, NextDueAt = null,
                    Replied = e.Replied || outcome.Detail == "replied",
                    RepliedAt = e.RepliedAt ?? (outcome.Detail == "replied" ? now : null),
                };
                events.Add(Event("campaign.contact_stopped", e.ContactId, "stopped", now,
                    new { campaign_id = CampaignId, contact_id = e.ContactId, reason = outcome.Detail, stopped_at = now }));
                return;
            case "failed":
                Count(e.NextStep, m => m with { Failed = m.Failed + 1 });
                state.State.Enrolments[e.ContactId] = e with
                {
                    Status = EnrolmentStatuses.Stopped, StopReason = "failed", StoppedAt = now, NextDueAt = null,
                    Sends = [.. e.Sends, new StepSend(e.NextStep, step.Type, now, null, "failed", Name: step.Name)],
                };
                return;
            case "sent":
                Count(e.NextStep, m => m with { Sent = m.Sent + 1 });
                break;
        }
        var sent = e with
        {
            Sends = [.. e.Sends, new StepSend(e.NextStep, step.Type, now, outcome.Reference, outcome.Kind, outcome.Content, step.Name)],
            LastSentAt = now, NextStep = e.NextStep + 1,
        };
        if (sent.NextStep >= p.Steps.Count)
        {
            Finish(sent, now, events);
            return;
        }
        state.State.Enrolments[e.ContactId] = sent with { NextDueAt = DueAfter(sent, now, p) };
    }

    private void Finish(EnrolmentView e, DateTimeOffset now, List<OutboxEvent> events)
    {
        state.State.Enrolments[e.ContactId] = e with { Status = EnrolmentStatuses.Completed, NextDueAt = null };
        events.Add(Event(plan?.Kind == "sequence" ? "sequence.completed" : "campaign.contact_completed", e.ContactId, "completed", now,
            new { campaign_id = CampaignId, sequence_id = CampaignId, contact_id = e.ContactId, completed_at = now }));
    }

    /// <summary>A LinkedIn message or task text with the contact's values (<c>{{first_name}}</c>, <c>{first_name}</c>, <c>{name}</c>).</summary>
    private static string? Render(string? message, ContactView contact)
    {
        if (message is null)
        {
            return null;
        }
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in new[] { ("first_name", contact.FirstName), ("last_name", contact.LastName), ("name", contact.Name), ("title", contact.Title), ("email", contact.Email) })
        {
            if (!string.IsNullOrEmpty(value))
            {
                values[name] = value;
            }
        }
        return EmailTemplating.Plain(message, values, "message");
    }
}
