using Grains.Interfaces.AgentTrust;

namespace Grains.AgentTrust;

[GenerateSerializer, Alias("agent-trust.revocations-state")]
public sealed class TrustRevocationsState
{
    [Id(0)] public List<TrustRevocation> Revocations { get; set; } = [];

    [Id(1)] public DateTimeOffset? UpdatedAt { get; set; }
}

/// <summary>The deployment's public revocation list (idempotent by credential id).</summary>
public sealed class TrustRevocationsGrain(
    [PersistentState("trust-revocations")] IPersistentState<TrustRevocationsState> state,
    TimeProvider time) : Grain, ITrustRevocationsGrain
{
    public async Task Add(IReadOnlyList<TrustRevocation> revocations)
    {
        var known = state.State.Revocations.Select(r => r.CredentialId).ToHashSet(StringComparer.Ordinal);
        var added = revocations.Where(r => !known.Contains(r.CredentialId)).ToList();
        if (added.Count == 0)
        {
            return;
        }
        state.State.Revocations.AddRange(added);
        state.State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
    }

    public Task<TrustRevocationList> List() => Task.FromResult(new TrustRevocationList([.. state.State.Revocations], state.State.UpdatedAt));
}
