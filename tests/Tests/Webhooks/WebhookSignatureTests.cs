using System.Security.Cryptography;
using System.Text;
using Grains.Webhooks.Delivery;

namespace Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"id":"evt_abc123","event":"deal.created","created_at":"2026-03-09T10:30:00Z","data":{"title":"Café — déjà vu"}}""");

    [Fact]
    public void Salesbooth_signature_is_hex_hmac_of_timestamp_dot_body_keyed_by_the_whole_secret_string()
    {
        const string secret = "whsec_c2VjcmV0LWJ5dGVzLWZvci10ZXN0aW5nLW9ubHktMzI=";
        const long ts = 1_773_052_200;
        // Computed independently: one buffer, the HMACSHA256 class, keyed by the secret's characters.
        var message = Encoding.UTF8.GetBytes($"{ts}.").Concat(Body).ToArray();
        var expected = "v1=" + string.Concat(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message).Select(b => b.ToString("x2")));

        var actual = WebhookSignatures.Salesbooth(secret, ts, Body);

        Assert.Equal(expected, actual);
        Assert.Matches("^v1=[0-9a-f]{64}$", actual);
    }

    [Fact]
    public void Salesbooth_signature_changes_when_body_timestamp_or_secret_change()
    {
        var secret = WebhookSecrets.New();
        var original = WebhookSignatures.Salesbooth(secret, 1000, Body);
        var tampered = (byte[])Body.Clone();
        tampered[^3] ^= 0x01;

        Assert.Equal(original, WebhookSignatures.Salesbooth(secret, 1000, Body));
        Assert.NotEqual(original, WebhookSignatures.Salesbooth(secret, 1000, tampered));
        Assert.NotEqual(original, WebhookSignatures.Salesbooth(secret, 1001, Body));
        Assert.NotEqual(original, WebhookSignatures.Salesbooth(WebhookSecrets.New(), 1000, Body));
    }

    [Fact]
    public void Standard_signature_matches_the_published_standard_webhooks_example()
    {
        // The worked example from the Standard Webhooks specification.
        var header = WebhookSignatures.Standard(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"], "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330, Encoding.UTF8.GetBytes("""{"test": 2432232314}"""));

        Assert.Equal("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", header);
    }

    [Fact]
    public void Standard_headers_verify_with_an_independent_verifier_for_current_and_previous_secret_only()
    {
        var (current, previous, stranger) = (WebhookSecrets.New(), WebhookSecrets.New(), WebhookSecrets.New());
        var headers = WebhookSignatures.Headers(WebhookSignatures.StandardScheme, current, previous,
            "evt_abc123", "deal.created", "whd_1", 1_773_052_200, Body, replayed: false);

        Assert.True(StandardVerify(current, headers, Body));
        Assert.True(StandardVerify(previous, headers, Body));
        Assert.False(StandardVerify(stranger, headers, Body));
        var tampered = (byte[])Body.Clone();
        tampered[0] = (byte)' ';
        Assert.False(StandardVerify(current, headers, tampered));
        Assert.Equal(2, Header(headers, "webhook-signature").Split(' ').Length);
    }

    [Fact]
    public void Standard_headers_carry_the_event_id_as_webhook_id_and_one_signature_without_a_previous_secret()
    {
        var headers = WebhookSignatures.Headers(WebhookSignatures.StandardScheme, WebhookSecrets.New(), null,
            "evt_abc123", "deal.closed", "whd_9", 1_773_052_200, Body, replayed: true);

        Assert.Equal("evt_abc123", Header(headers, "webhook-id"));
        Assert.Equal("1773052200", Header(headers, "webhook-timestamp"));
        Assert.Single(Header(headers, "webhook-signature").Split(' '));
        Assert.Equal("deal.closed", Header(headers, "X-Salesbooth-Event"));
        Assert.Equal("whd_9", Header(headers, "X-Salesbooth-Delivery"));
        Assert.Equal("true", Header(headers, "X-Salesbooth-Replayed"));
        Assert.DoesNotContain(headers, h => h.Key == "X-Salesbooth-Signature");
    }

    [Fact]
    public void Salesbooth_headers_sign_with_the_current_secret_only_and_mark_replays()
    {
        var (current, previous) = (WebhookSecrets.New(), WebhookSecrets.New());
        var headers = WebhookSignatures.Headers(WebhookSignatures.SalesboothScheme, current, previous,
            "evt_abc123", "deal.created", "whd_1", 1_773_052_200, Body, replayed: false);

        Assert.Equal(WebhookSignatures.Salesbooth(current, 1_773_052_200, Body), Header(headers, "X-Salesbooth-Signature"));
        Assert.Equal("1773052200", Header(headers, "X-Salesbooth-Timestamp"));
        Assert.Equal("deal.created", Header(headers, "X-Salesbooth-Event"));
        Assert.Equal("whd_1", Header(headers, "X-Salesbooth-Delivery"));
        Assert.Equal("evt_abc123", Header(headers, "X-Salesbooth-Event-Id"));
        Assert.Single(headers, h => h.Key == "X-Salesbooth-Signature");
        Assert.DoesNotContain(headers, h => h.Key == "X-Salesbooth-Replayed");
        Assert.DoesNotContain(headers, h => h.Key.StartsWith("webhook-", StringComparison.Ordinal));

        var replayed = WebhookSignatures.Headers(WebhookSignatures.SalesboothScheme, current, null,
            "evt_abc123", "deal.created", "whd_2", 1_773_052_200, Body, replayed: true);
        Assert.Equal("true", Header(replayed, "X-Salesbooth-Replayed"));
    }

    [Fact]
    public void Schemes_are_known_by_exact_name_and_an_unknown_scheme_is_an_error()
    {
        Assert.True(WebhookSignatures.IsKnownScheme("salesbooth"));
        Assert.True(WebhookSignatures.IsKnownScheme("standard"));
        Assert.False(WebhookSignatures.IsKnownScheme("svix"));
        Assert.False(WebhookSignatures.IsKnownScheme(""));
        Assert.Throws<ArgumentException>(() => WebhookSignatures.Headers("svix", WebhookSecrets.New(), null,
            "evt_1", "deal.created", "whd_1", 1, Body, replayed: false));
    }

    [Fact]
    public void New_secrets_are_whsec_plus_base64_of_32_random_bytes_and_masks_show_only_the_tail()
    {
        var a = WebhookSecrets.New();
        var b = WebhookSecrets.New();

        Assert.StartsWith("whsec_", a);
        Assert.Equal(32, Convert.FromBase64String(a["whsec_".Length..]).Length);
        Assert.NotEqual(a, b);
        Assert.Equal("whsec_****" + a[^4..], WebhookSecrets.Mask(a));
        Assert.DoesNotContain(a["whsec_".Length..^4], WebhookSecrets.Mask(a));
    }

    private static string Header(IReadOnlyList<KeyValuePair<string, string>> headers, string name) =>
        Assert.Single(headers, h => h.Key == name).Value;

    /// <summary>A receiver written from the Standard Webhooks spec, separate from the code under test.</summary>
    private static bool StandardVerify(string secret, IReadOnlyList<KeyValuePair<string, string>> headers, byte[] body)
    {
        var key = Convert.FromBase64String(secret.Split('_', 2)[1]);
        var signed = $"{Header(headers, "webhook-id")}.{Header(headers, "webhook-timestamp")}.{Encoding.UTF8.GetString(body)}";
        var expected = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed));
        foreach (var entry in Header(headers, "webhook-signature").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = entry.Split(',', 2);
            if (parts is ["v1", var sig] && CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(sig), expected))
                return true;
        }
        return false;
    }
}
