using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Auth;
using Grains.Interfaces.AgentTrust;

namespace ApiHost.AgentTrust;

/// <summary>
/// <c>/v1/agent-trust-credentials</c>: issue (<c>POST {"credential_type":"TrustLevelCredential"}</c>) and list the
/// calling key's trust credentials; <c>/v1/trust/revocations</c>: the public list of revoked credentials (no key).
/// </summary>
public static class TrustCredentialEndpoints
{
    public static void MapTrustCredentialEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("agent-trust-credentials", group =>
        {
            group.MapGet("", List).RequireScope("trust:read");
            group.MapPost("", Issue).RequireScope("trust:write");
        });
        // Public: remote instances check presented credentials without a key.
        app.MapApi("trust", group => group.MapGet("revocations", Revocations));
    }

    private static async Task<IResult> Issue(HttpContext http, IGrainFactory grains, CancellationToken ct)
    {
        var fields = new FieldReader(await RequestBody.ReadObjectAsync(http.Request, ct));
        var type = fields.Enum("credential_type", [TrustCredentials.TrustLevelCredential]) ?? TrustCredentials.TrustLevelCredential;
        fields.ThrowIfInvalid();
        var credential = await Own(http, grains).IssueCredential(type);
        return ApiResults.Created(Credential(credential));
    }

    private static async Task<IResult> List(HttpContext http, IGrainFactory grains)
    {
        var trust = await Own(http, grains).Get();
        JsonArray items = [.. trust.Credentials.Reverse().Select(c => (JsonNode)Credential(c))];
        return ApiResults.Ok(new JsonObject { ["key_id"] = trust.KeyId, ["credentials"] = items });
    }

    private static async Task<IResult> Revocations(IGrainFactory grains)
    {
        var list = await grains.GetGrain<ITrustRevocationsGrain>(ITrustRevocationsGrain.Key).List();
        return ApiResults.Ok(new JsonObject
        {
            ["revocations"] = new JsonArray([.. list.Revocations.Select(r => (JsonNode)new JsonObject
            {
                ["credential_id"] = r.CredentialId,
                ["revoked_at"] = r.RevokedAt,
                ["reason"] = r.Reason,
            })]),
            ["updated_at"] = list.UpdatedAt,
        });
    }

    /// <summary>The credential as the document shows it, with what verifies it offline (the tenant's Ed25519 public key).</summary>
    private static JsonObject Credential(TrustCredential c) => new()
    {
        ["credential_id"] = c.CredentialId,
        ["type"] = c.Type,
        ["trust_level"] = c.TrustLevel,
        ["issued_at"] = c.IssuedAt,
        ["expires_at"] = c.ExpiresAt,
        ["jwt"] = c.Jwt,
        ["status"] = c.RevokedAt is null ? "active" : "revoked",
        ["revoked_at"] = c.RevokedAt,
        ["revocation_reason"] = c.RevocationReason,
        ["verification_key"] = new JsonObject { ["kid"] = c.KeyId, ["alg"] = "EdDSA", ["crv"] = "Ed25519", ["public_key"] = c.PublicKeyBase64 },
    };

    private static IAgentTrustGrain Own(HttpContext http, IGrainFactory grains)
    {
        var caller = http.Caller();
        return grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(caller.Partition, caller.KeyId));
    }
}
