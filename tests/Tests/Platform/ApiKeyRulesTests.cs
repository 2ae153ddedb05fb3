using Grains.Interfaces.Platform;
using Grains.Interfaces.Tenants;
using Grains.Tenants;

namespace Tests.Platform;

/// <summary>The key rules as the tenant and key grains apply them (no endpoint in between).</summary>
public sealed class ApiKeyRulesTests
{
    private static ApiKeyRequest Request(string kind = ApiKeyKinds.Secret, string environment = "live", string caller = "live") =>
        new("k", kind, environment, caller, ["customers:read"], "us");

    [Fact]
    public void A_test_key_cannot_create_a_live_key()
    {
        var refused = Assert.Throws<DomainException>(() => ApiKeyRules.Resolve(Request(environment: "live", caller: "test")));

        Assert.Equal("authorization_error.environment_mismatch", refused.Code);
        Assert.Equal("live", Assert.IsType<EnvironmentMismatchDetails>(refused.Details).RequestedEnvironment);
    }

    [Fact]
    public void A_live_key_creates_test_keys_with_the_scopes_asked_for()
    {
        var (environment, scopes) = ApiKeyRules.Resolve(Request(environment: "test", caller: "live"));

        Assert.Equal("test", environment);
        Assert.Equal(["customers:read"], scopes);
    }

    [Fact]
    public void A_publishable_key_is_live_with_the_fixed_scopes_and_a_pub_secret()
    {
        var (environment, scopes) = ApiKeyRules.Resolve(Request(kind: ApiKeyKinds.Publishable, environment: "test", caller: "test"));

        Assert.Equal("live", environment);
        Assert.Equal(ApiKeyScopes.Publishable, scopes);
        Assert.StartsWith("sb_pub_us_", ApiKeyRules.NewSecret(ApiKeyKinds.Publishable, environment, "us"));
        Assert.StartsWith("sb_test_eu_", ApiKeyRules.NewSecret(ApiKeyKinds.Secret, "test", "eu"));
    }

    [Fact]
    public void A_publishable_keys_scopes_cannot_be_changed()
    {
        var publishable = new ApiKeyRecord("key_1", "ten_1", "k", "sb_pub_us_x", ApiKeyScopes.Publishable, "live", DateTimeOffset.UnixEpoch,
            ApiKeyKinds.Publishable);

        var refused = Assert.Throws<DomainException>(() => ApiKeyRules.CheckChange(publishable, new ApiKeyChanges(Scopes: ["*"])));

        Assert.Equal("validation_error.bad_request", refused.Code);
        ApiKeyRules.CheckChange(publishable, new ApiKeyChanges(Name: "renamed"));
    }
}
