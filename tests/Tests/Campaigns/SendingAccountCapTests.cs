using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>The embedded API with sending-account caps: 2 emails per UTC day per from-address, 1 LinkedIn send per UTC day per LinkedIn account.</summary>
public sealed class AccountCapApi() : CampaignApi(new Dictionary<string, string?>
{
    ["Campaigns:EmailAccountMaxSendsPerDay"] = "2",
    ["Campaigns:LinkedinAccountMaxSendsPerDay"] = "1",
});

/// <summary>
/// Caps per sending account: shared by every campaign of the tenant sending from the same from-address or LinkedIn
/// account, counted per UTC day, the rest carried to the next day's window (FakeTimeProvider; the class shares the clock).
/// </summary>
public sealed class SendingAccountCapTests(AccountCapApi api) : IClassFixture<AccountCapApi>
{
    [Fact]
    public async Task Campaigns_sending_from_one_address_share_its_daily_cap_and_the_rest_goes_out_the_next_UTC_day()
    {
        var tenant = await api.NewTenantAsync();
        await tenant.UseEventChannel();
        var template = await tenant.Template("Hi", "Hello {{first_name}}");
        var campaigns = new[]
        {
            await tenant.Campaign($$"""{"name":"A","steps":[{"type":"email","template_id":"{{template}}"}]}"""),
            await tenant.Campaign($$"""{"name":"B","steps":[{"type":"email","template_id":"{{template}}"}]}"""),
        };
        var enrolled = new List<(string Campaign, string Contact)>();
        foreach (var campaign in campaigns)
        {
            var contacts = new[] { await tenant.NewContact(), await tenant.NewContact() };
            await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{contacts[0]}}","{{contacts[1]}}"]}""");
            enrolled.AddRange(contacts.Select(c => (campaign, c)));
        }
        foreach (var campaign in campaigns)
        {
            await tenant.Action(campaign, "activate");
            await api.RunAt(tenant, campaign, api.Time.GetUtcNow());
        }

        var counts = await SendCounts(tenant, enrolled);
        Assert.Equal(2, counts.Sum()); // four due, two allowed today from sales@seller.example, whichever campaign
        var midnight = NextUtcMidnight();
        foreach (var (campaign, contact) in enrolled.Where((_, i) => counts[i] == 0))
        {
            Assert.Equal(midnight, (await tenant.Enrolment(campaign, contact)).GetProperty("next_step_at").GetDateTimeOffset());
        }

        foreach (var campaign in campaigns)
        {
            await api.RunAt(tenant, campaign, midnight);
        }
        Assert.All(await SendCounts(tenant, enrolled), c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task A_LinkedIn_accounts_cap_is_shared_by_the_campaigns_using_it_and_not_by_another_account()
    {
        var tenant = await api.NewTenantAsync();
        string Campaign(string name, string account) =>
            $$"""{"name":"{{name}}","linkedin_account_id":"{{account}}","steps":[{"type":"linkedin_connection_request","message":"Hi {first_name}"}]}""";
        var shared = new[] { await tenant.Campaign(Campaign("A", "li-shared")), await tenant.Campaign(Campaign("B", "li-shared")) };
        var own = await tenant.Campaign(Campaign("C", "li-own"));
        var enrolled = new List<(string Campaign, string Contact)>();
        foreach (var campaign in shared.Append(own))
        {
            var contact = await tenant.NewContact($"https://www.linkedin.com/in/{Guid.NewGuid():N}");
            await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaign}/contacts", $$"""{"contact_ids":["{{contact}}"]}""");
            await tenant.Action(campaign, "activate");
            await api.RunAt(tenant, campaign, api.Time.GetUtcNow());
            enrolled.Add((campaign, contact));
        }

        var counts = await SendCounts(tenant, enrolled);
        Assert.Equal(1, counts[0] + counts[1]); // li-shared: one a day across A and B
        Assert.Equal(1, counts[2]); // li-own has its own day
        var midnight = NextUtcMidnight();
        foreach (var campaign in shared)
        {
            await api.RunAt(tenant, campaign, midnight);
        }
        Assert.All(await SendCounts(tenant, enrolled), c => Assert.Equal(1, c));
    }

    [Fact]
    public async Task A_step_sent_by_hand_counts_against_the_accounts_cap_and_goes_out_the_next_day_when_it_is_full()
    {
        var tenant = await api.NewTenantAsync();
        var id = (await tenant.Sam(HttpMethod.Post, "/api/campaigns", """
            {"campaign_name":"Q4","linkedin_account_id":"li-hand","message_templates":{"connection_request":"Hi {first_name}","follow_up_1":"Following up"}}
            """, System.Net.HttpStatusCode.Created)).Str("id");
        var jo = await tenant.NewContact("https://www.linkedin.com/in/jo");
        await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{id}/contacts", $$"""{"contact_ids":["{{jo}}"]}""");
        await tenant.Action(id, "activate");
        await api.RunAt(tenant, id, api.Time.GetUtcNow()); // the connection request takes li-hand's one send of the day

        var full = await tenant.Sam(HttpMethod.Post, "/api/messages/send-campaign", $$"""
            {"campaign_id":"{{id}}","prospect_id":"{{jo}}","message_type":"follow_up_1","personalized_message":"Hi Jo"}
            """, System.Net.HttpStatusCode.Conflict);
        Assert.Equal("conflict.send_cap_reached", full.Str("code"));
        Assert.Single(await tenant.SentAt(id, jo));
        var midnight = NextUtcMidnight();
        Assert.Equal(midnight, (await tenant.Enrolment(id, jo)).GetProperty("next_step_at").GetDateTimeOffset());

        await api.RunAt(tenant, id, midnight); // the refused step went back to the queue: it goes out when the account's day turns
        Assert.Equal([midnight], (await tenant.SentAt(id, jo)).Skip(1));
    }

    private DateTimeOffset NextUtcMidnight() =>
        new(DateOnly.FromDateTime(api.Time.GetUtcNow().UtcDateTime).AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);

    private static async Task<List<int>> SendCounts(TestTenant tenant, List<(string Campaign, string Contact)> enrolled)
    {
        var counts = new List<int>();
        foreach (var (campaign, contact) in enrolled)
        {
            counts.Add((await tenant.SentAt(campaign, contact)).Count);
        }
        return counts;
    }
}
