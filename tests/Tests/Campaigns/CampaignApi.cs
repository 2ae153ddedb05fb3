using System.Net;
using System.Text.Json;
using Grains.Interfaces.Campaigns;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tests.Emails;
using Tests.Infrastructure;

namespace Tests.Campaigns;

/// <summary>
/// The embedded API with business time on a <see cref="FakeTimeProvider"/>: tests move the clock and run the shards'
/// due work (what their timer or reminder does) instead of waiting days.
/// </summary>
public class CampaignApi : CatalogueApi
{
    public CampaignApi()
        : this(null)
    {
    }

    protected CampaignApi(IReadOnlyDictionary<string, string?>? settings)
        : base(settings)
    {
    }

    /// <summary>Thursday 5 March 2026, 10:00 in New York (EST); DST starts there on Sunday 8 March.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 3, 5, 15, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Epoch);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Time));
    }

    /// <summary>Moves the clock to <paramref name="at"/> (never back) and runs every shard's due work.</summary>
    public async Task RunAt(TestTenant tenant, string campaignId, DateTimeOffset at)
    {
        if (at > Time.GetUtcNow())
        {
            Time.SetUtcNow(at);
        }
        await Task.WhenAll(Enumerable.Range(0, CampaignKeys.DefaultShards)
            .Select(i => Grains.GetGrain<ICampaignShardGrain>(CampaignKeys.Shard(tenant.Partition, campaignId, i)).Tick()));
    }
}

public static class CampaignSteps
{
    public static async Task<string> Campaign(this TestTenant tenant, string json)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, "/v1/campaigns", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        return body.GetProperty("data").GetProperty("campaign").Str("id");
    }

    public static async Task<JsonElement> Action(this TestTenant tenant, string campaignId, string action, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Post, $"/v1/campaigns/{campaignId}/{action}", "{}");
        Assert.True(response.StatusCode == expected, $"{action}: {(int)response.StatusCode} {body}");
        return body;
    }

    public static async Task<JsonElement> Enrolment(this TestTenant tenant, string campaignId, string contactId) =>
        await tenant.GetObject($"/v1/campaigns/{campaignId}/contacts/{contactId}");

    /// <summary>When each step went out for the contact (1-based step → time).</summary>
    public static async Task<List<DateTimeOffset>> SentAt(this TestTenant tenant, string campaignId, string contactId) =>
        [.. (await tenant.Enrolment(campaignId, contactId)).GetProperty("sends").EnumerateArray().Select(s => s.GetProperty("at").GetDateTimeOffset())];

    public static async Task<JsonElement> Metrics(this TestTenant tenant, string campaignId)
    {
        var (response, body) = await tenant.SendAsync(HttpMethod.Get, $"/v1/campaigns/{campaignId}/metrics");
        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        return body.GetProperty("data").GetProperty("metrics");
    }

    public static async Task<string> EmailSequence(this TestTenant tenant, string template, string extra = "", params int[] delays) =>
        await tenant.Campaign($$"""
            {"name":"SDR","kind":"sequence","time_zone":"America/New_York",
             "send_window":{"days":["mon","tue","wed","thu","fri"],"start":"09:00","end":"17:00"},
             "steps":[{{string.Join(",", delays.Select(d => $$"""{"type":"email","delay_days":{{d}},"template_id":"{{template}}"}"""))}}]{{extra}}}
            """);

    public static async Task<string> NewContact(this TestTenant tenant, string? linkedin = null)
    {
        var link = linkedin is null ? "" : $",\"linkedin_url\":\"{linkedin}\"";
        return (await tenant.CreateAsync("contact", $$"""{"first_name":"Jo","last_name":"Doe","email":"jo.{{Guid.NewGuid():N}}@acme.example"{{link}}}""")).Str("id");
    }
}
