using Grains.Interfaces.Tenants;
using Grains.Tenants;

namespace Tests.Platform;

public sealed class ApiKeySecretsTests
{
    [Theory]
    [InlineData("sb_live_us_abcdefghijklmnop", true)]
    [InlineData("sb_test_au_ABCDEFGHIJKLMNOP0123", true)]
    [InlineData("sb_pub_eu_0123456789abcdef", true)]
    [InlineData("sb_live_xx_abcdefghijklmnop", false)]
    [InlineData("sb_live_us_short", false)]
    [InlineData("sk_live_abcdefghijklmnopqrst", false)]
    [InlineData("sb_live_us_abcdefghijklmnop!", false)]
    public void Key_format_is_checked(string key, bool wellFormed) => Assert.Equal(wellFormed, ApiKeySecrets.IsWellFormed(key));

    [Fact]
    public void Generated_keys_are_well_formed_unique_and_hashed_not_stored()
    {
        var a = ApiKeySecrets.Generate("test", "au");
        var b = ApiKeySecrets.Generate("test", "au");

        Assert.True(ApiKeySecrets.IsWellFormed(a));
        Assert.NotEqual(a, b);
        Assert.Equal("sb_test_au_", ApiKeySecrets.PrefixOf(a));
        Assert.Equal(64, ApiKeySecrets.Hash(a).Length);
        Assert.DoesNotContain(a, ApiKeySecrets.Hash(a));
        Assert.NotEqual(ApiKeySecrets.Hash(a), ApiKeySecrets.Hash(b));
    }
}
