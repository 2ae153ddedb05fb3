using System.Text.Json;
using ApiHost.Api;
using Grains.Interfaces.Platform;

namespace Tests.Api;

/// <summary>The one table from a grain's error code to the HTTP answer.</summary>
public sealed class DomainErrorTableTests
{
    [Theory]
    [InlineData("not_found", 404)]
    [InlineData("conflict.stale_version", 412)]
    [InlineData("conflict.deal_already_closed", 409)]
    [InlineData("validation_error.invalid_fields", 400)]
    [InlineData("authorization_error.environment_mismatch", 403)]
    [InlineData("mystery.code", 500)]
    public void A_code_maps_to_its_status_exactly_or_by_category(string code, int status) =>
        Assert.Equal(status, DomainErrors.ToApiError(new DomainException(code, "m")).Status);

    [Fact]
    public void Typed_details_become_the_documented_details_object()
    {
        var field = DomainErrors.ToApiError(DomainException.Invalid("consent_to_sign", "required", "consent needed"));
        var transition = DomainErrors.ToApiError(DomainException.Conflict("conflict.invalid_transition", "no",
            new InvalidTransitionDetails("draft", "closed", [new AllowedTransition("in_progress", "transition")])));

        Assert.Equal("""{"fields":{"consent_to_sign":{"code":"required","message":"consent needed"}}}""",
            JsonSerializer.Serialize(field.Details, ApiJson.Options));
        Assert.Equal("""{"current_status":"draft","requested_status":"closed","allowed":[{"target":"in_progress","action":"transition"}]}""",
            JsonSerializer.Serialize(transition.Details, ApiJson.Options));
    }
}
