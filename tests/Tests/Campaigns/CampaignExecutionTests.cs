using System.Net;
using Grains.Interfaces.Emails;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>
/// A campaign run on business time: steps on the right day inside the contact's window, pause and resume, the daily
/// cap, and the stop rules (a reply stops the contact in every campaign of the tenant). One tenant per test; the
/// tests of a class share the clock (and run one after another), so each moves it only forward and reads times relative to where it starts.
/// </summary>
public sealed class CampaignExecutionTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public async Task A_paused_campaign_sends_nothing_and_resumed_it_continues_from_each_contacts_position()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var campaign = await tenant.Campaign($$"""
            {"name":"Two steps","steps":[{"type":"email","template_id":"{{template}}"},{"type":"email","delay_days":1,"template_id":"{{template}}"}]}
            """);
        var contacts = new[] { await tenant.NewContact(), await tenant.NewContact() };
        var (_, enrol) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{contacts[0]}}","{{contacts[1]}}","con_000000000000000000000000"]}""");
        Assert.Equal(2, enrol.GetProperty("data").GetProperty("added_count").GetInt32());
        Assert.Equal(1, enrol.GetProperty("data").GetProperty("error_count").GetInt32());
        await tenant.Action(campaign, "activate");
        var start = api.Time.GetUtcNow();
        await api.RunAt(tenant, campaign, start);
        foreach (var c in contacts)
        {
            Assert.Single(await tenant.SentAt(campaign, c));
        }

        await tenant.Action(campaign, "pause");
        await api.RunAt(tenant, campaign, start + 2 * Day);
        foreach (var c in contacts)
        {
            Assert.Single(await tenant.SentAt(campaign, c)); // due a day ago, but paused
        }

        await tenant.Action(campaign, "resume");
        var resumed = start + 2 * Day + TimeSpan.FromMinutes(1);
        await api.RunAt(tenant, campaign, resumed);
        foreach (var c in contacts)
        {
            Assert.Equal(2, (await tenant.SentAt(campaign, c)).Count);
            Assert.Equal("completed", (await tenant.Enrolment(campaign, c)).Str("status"));
        }
        var (_, again) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{contacts[0]}}"]}""");
        Assert.Equal(1, again.GetProperty("data").GetProperty("duplicate_count").GetInt32());
    }

    [Fact]
    public async Task A_reply_stops_the_contact_at_once_in_every_campaign_of_the_tenant()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        string Steps() => $$"""[{"type":"email","template_id":"{{template}}"},{"type":"email","delay_days":2,"template_id":"{{template}}"}]""";
        var first = await tenant.Campaign($$"""{"name":"A","steps":{{Steps()}}}""");
        var second = await tenant.Campaign($$"""{"name":"B","steps":{{Steps()}}}""");
        var contact = await tenant.NewContact();
        var other = await tenant.NewContact();
        foreach (var c in new[] { first, second })
        {
            await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{c}/contacts", $$"""{"contact_ids":["{{contact}}","{{other}}"]}""");
            await tenant.Action(c, "activate");
        }
        var start = api.Time.GetUtcNow();
        await api.RunAt(tenant, first, start);
        var emailId = (await tenant.Enrolment(first, contact)).GetProperty("sends")[0].Str("reference");

        await api.Grains.GetGrain<IEmailGrain>(EmailKeys.Grain(tenant.Partition, emailId)).Inbound(new EmailInbound("replied", null, start));

        foreach (var c in new[] { first, second })
        {
            var stopped = await Eventually.Get(() => tenant.Enrolment(c, contact), e => e.Str("status") == "stopped", TimeSpan.FromSeconds(10), "stopped");
            Assert.Equal("replied", stopped.Str("stop_reason"));
        }
        await api.RunAt(tenant, first, start + 3 * Day);
        await api.RunAt(tenant, second, start + 3 * Day);
        // Both campaigns had sent the first step (activating one runs its due work at once); neither sends the second.
        Assert.Single(await tenant.SentAt(first, contact));
        Assert.Single(await tenant.SentAt(second, contact));
        Assert.Equal(2, (await tenant.SentAt(first, other)).Count); // the other contact goes on
        var metrics = await tenant.Metrics(first);
        Assert.Equal(2, metrics.GetProperty("contacted").GetInt32());
        Assert.Equal(1, metrics.GetProperty("replied").GetInt32());
        Assert.Equal(0.5m, metrics.GetProperty("success_rate").GetDecimal());
    }

    [Fact]
    public async Task The_daily_cap_carries_the_rest_to_the_next_days_window()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var campaign = await tenant.Campaign($$"""
            {"name":"Capped","time_zone":"Europe/Berlin","max_sends_per_day":2,
             "send_window":{"start":"09:00","end":"17:00"},"steps":[{"type":"email","template_id":"{{template}}"}]}
            """);
        var contacts = new[] { await tenant.NewContact(), await tenant.NewContact(), await tenant.NewContact() };
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{string.Join("\",\"", contacts)}}"]}""");
        // Move the clock to 10:00 in Berlin tomorrow before activating (activation runs due work at once).
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(api.Time.GetUtcNow(), berlin).DateTime).AddDays(1);
        var ten = day.ToDateTime(new TimeOnly(10, 0));
        await api.RunAt(tenant, campaign, new DateTimeOffset(ten, berlin.GetUtcOffset(ten)));
        await tenant.Action(campaign, "activate");
        await api.RunAt(tenant, campaign, api.Time.GetUtcNow());

        var sent = new List<int>();
        foreach (var c in contacts)
        {
            sent.Add((await tenant.SentAt(campaign, c)).Count);
        }
        Assert.Equal(2, sent.Sum());
        var carried = contacts[sent.IndexOf(0)];
        var next = (await tenant.Enrolment(campaign, carried)).GetProperty("next_step_at").GetDateTimeOffset();
        var expected = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(api.Time.GetUtcNow(), berlin).DateTime).AddDays(1);
        Assert.Equal(expected, DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(next, berlin).DateTime));
        Assert.Equal(9, TimeZoneInfo.ConvertTime(next, berlin).Hour);
        await api.RunAt(tenant, campaign, next);
        Assert.Single(await tenant.SentAt(campaign, carried));
    }
}

/// <summary>The 4-step sequence on a clock of its own: it reads calendar dates from the start.</summary>
public sealed class SequenceCalendarTests(CampaignApi api) : IClassFixture<CampaignApi>
{
    [Fact]
    public async Task A_0_3_5_7_day_sequence_sends_each_step_on_its_day_inside_the_New_York_window_across_DST()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi {{first_name}}", "Hello {{first_name}}");
        var sequence = await tenant.EmailSequence(template, "", 0, 3, 5, 7);
        var contact = await tenant.NewContact();
        var start = api.Time.GetUtcNow();
        Assert.Equal(CampaignApi.Epoch, start);
        using var dispatched = new MeasurementCounter("salesbooth.campaign.steps", "campaign.step.type", "email");

        var (enrolled, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/contacts/{contact}/sequence",
            $$"""{"sequence_id":"{{sequence}}","time_zone":"America/New_York"}""");
        Assert.True(enrolled.StatusCode == HttpStatusCode.Created, body.ToString());
        Assert.Equal("in_progress", body.GetProperty("data").GetProperty("enrolment").Str("status"));
        Assert.Equal(1, body.GetProperty("data").GetProperty("enrolment").GetProperty("current_step").GetInt32());
        await tenant.Action(sequence, "activate");

        await api.RunAt(tenant, sequence, start);
        Assert.Equal([start], await tenant.SentAt(sequence, contact)); // Thursday 10:00 EST: inside the window, at once

        // +3 days is Sunday: Monday 9 March 09:00 EDT (13:00 UTC, the offset changed on Sunday).
        var second = new DateTimeOffset(2026, 3, 9, 13, 0, 0, TimeSpan.Zero);
        Assert.Equal(second, (await tenant.Enrolment(sequence, contact)).GetProperty("next_step_at").GetDateTimeOffset());
        await api.RunAt(tenant, sequence, second - TimeSpan.FromMinutes(1));
        Assert.Single(await tenant.SentAt(sequence, contact));
        await api.RunAt(tenant, sequence, second);
        var third = new DateTimeOffset(2026, 3, 16, 13, 0, 0, TimeSpan.Zero); // +5 days is Saturday: Monday 09:00
        var fourth = new DateTimeOffset(2026, 3, 23, 13, 0, 0, TimeSpan.Zero);
        await api.RunAt(tenant, sequence, third);
        await api.RunAt(tenant, sequence, fourth);

        var enrolment = await tenant.Enrolment(sequence, contact);
        Assert.Equal([start, second, third, fourth], await tenant.SentAt(sequence, contact));
        Assert.Equal("completed", enrolment.Str("status"));
        foreach (var send in enrolment.GetProperty("sends").EnumerateArray())
        {
            var email = await tenant.Email(send.Str("reference"));
            Assert.Equal(contact, email.Str("contact_id"));
        }
        var metrics = await tenant.Metrics(sequence);
        Assert.Equal(1, metrics.GetProperty("contacted").GetInt32());
        Assert.All(metrics.GetProperty("steps").EnumerateArray(), s => Assert.Equal(1, s.GetProperty("sent").GetInt32()));
        Assert.Single(await tenant.Events("sequence.completed"));
        Assert.True(dispatched.Total >= 4, "each dispatched step is counted");
    }
}
