using System.Net;
using Tests.Infrastructure;

namespace Tests.Api;

public sealed class ScopeRulesTests
{
    [Theory]
    [InlineData("*", "customers:write", true)]
    [InlineData("*:read", "customers:read", true)]
    [InlineData("*:read", "customers:write", false)]
    [InlineData("agent:*", "agent:negotiate", true)]
    [InlineData("agent:*", "deals:write", false)]
    [InlineData("customers:read", "customers:read", true)]
    [InlineData("customers:read", "customers:write", false)]
    [InlineData("admin:read", "admin", false)]
    public void Granted_scopes_satisfy_required_ones_as_documented(string granted, string required, bool allowed) =>
        Assert.Equal(allowed, ApiHost.Auth.Scopes.Allows([granted], required));

    [Fact]
    public void Expired_and_revoked_keys_are_not_usable()
    {
        var now = new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero);
        var key = new Grains.Interfaces.Tenants.ApiKeyRecord("key_1", "ten_1", "k", "sb_live_us_", ["*"], "live", now.AddDays(-1));

        Assert.True(key.IsUsableAt(now));
        Assert.False((key with { ExpiresAt = now.AddSeconds(-1) }).IsUsableAt(now));
        Assert.False((key with { RevokedAt = now.AddSeconds(-1) }).IsUsableAt(now));
    }
}
