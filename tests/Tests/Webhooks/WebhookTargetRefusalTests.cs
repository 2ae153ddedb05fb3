using System.Net;
using Tests.Infrastructure;

namespace Tests.Webhooks;

/// <summary>Outbound URLs are untrusted: with private targets not allowed (any shared deployment), they are refused at registration.</summary>
public sealed class WebhookTargetRefusalTests(WebhookTargetRefusalTests.Api api) : IClassFixture<WebhookTargetRefusalTests.Api>
{
    public sealed class Api() : WebhookApi(new Dictionary<string, string?> { ["Webhooks:AllowPrivateTargets"] = "false" });

    [Theory]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://10.1.2.3/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://localhost/hooks")]
    [InlineData("https://192.168.0.10/hooks")]
    [InlineData("http://93.184.216.34/hooks")]
    public async Task Private_and_plain_http_targets_are_a_clear_400(string url)
    {
        var tenant = await api.NewTenantAsync();
        var body = await tenant.BadRequestAsync(HttpMethod.Post, "/v1/webhooks", $$"""{"url":"{{url}}","events":["*"]}""");
        Assert.Equal("target_not_allowed", body.FieldCode("url"));
        var (_, list) = await tenant.SendAsync(HttpMethod.Get, "/v1/webhooks");
        Assert.Equal(0, list.GetProperty("data").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Changing_the_url_to_a_private_target_is_refused_and_leaves_the_webhook_as_it_was()
    {
        var tenant = await api.NewTenantAsync();
        var (id, _) = await tenant.RegisterAsync("https://93.184.216.34/hooks");
        var body = await tenant.BadRequestAsync(HttpMethod.Patch, $"/v1/webhooks?id={id}", """{"url":"https://10.0.0.1/x"}""");
        Assert.Equal("target_not_allowed", body.FieldCode("url"));
        var (_, read) = await tenant.SendAsync(HttpMethod.Get, $"/v1/webhooks?id={id}");
        Assert.Equal("https://93.184.216.34/hooks", read.GetProperty("data").GetProperty("webhook").Str("url"));
    }
}
