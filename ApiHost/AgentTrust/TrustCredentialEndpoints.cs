using System.Text.Json.Nodes;
using ApiHost.Api;
using ApiHost.Auth;
using ApiHost.OpenApi;
using Grains.Interfaces.AgentTrust;

namespace ApiHost.AgentTrust;

/// <summary>
/// <c>/v1/agent-trust-credentials</c>: issue (<c>POST {"credential_type":"TrustLevelCredential"}</c>) and list the
/// calling key's trust credentials; <c>/v1/trust/revocations</c>: the public list of revoked credentials (no key);
/// <c>/v1/trust</c>: the tenant's trust (<see cref="TenantTrustEndpoints"/>).
/// </summary>
public static class TrustCredentialEndpoints
{
    public static void MapTrustCredentialEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapApi("agent-trust-credentials", group =>
        {
            group.MapGet("", List).RequireScope("trust:read").Operation<TrustCredentialList>("listTrustCredentials", "The calling key's trust credentials");
            group.MapPost("", Issue).RequireScope("trust:write")
                .Operation<TrustCredentialBody, TrustCredentialRecord>("issueTrustCredential", "Issue a TrustLevelCredential (an EdDSA JWT)", 201);
        });
        app.MapApi("trust", group =>
        {
            // Public: remote instances check presented credentials without a key.
            group.MapGet("revocations", Revocations).Operation<TrustRevocationsData>("listTrustRevocations", "Revoked trust credentials (public)");
            TenantTrustEndpoints.Map(group);
        });
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
        return ApiResults.Ok(new TrustCredentialList(trust.KeyId, [.. trust.Credentials.Reverse().Select(Credential)]));
    }

    private static async Task<IResult> Revocations(IGrainFactory grains)
    {
        var list = await grains.GetGrain<ITrustRevocationsGrain>(ITrustRevocationsGrain.Key).List();
        return ApiResults.Ok(new TrustRevocationsData([.. list.Revocations.Select(r => new TrustRevocationRecord(r.CredentialId, r.RevokedAt, r.Reason))],
            list.UpdatedAt));
    }

    /// <summary>The credential as the document shows it, with what verifies it offline (the tenant's Ed25519 public key).</summary>
    private static TrustCredentialRecord Credential(TrustCredential c) => new(c.CredentialId, c.Type, c.TrustLevel, c.IssuedAt, c.ExpiresAt, c.Jwt,
        c.RevokedAt is null ? "active" : "revoked", c.RevokedAt, c.RevocationReason, new TrustVerificationKey(c.KeyId, "EdDSA", "Ed25519", c.PublicKeyBase64));

    private static IAgentTrustGrain Own(HttpContext http, IGrainFactory grains)
    {
        var caller = http.Caller();
        return grains.GetGrain<IAgentTrustGrain>(TrustLevels.Grain(caller.Partition, caller.KeyId));
    }
}
