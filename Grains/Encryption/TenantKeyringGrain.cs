using System.Security.Cryptography;

namespace Grains.Encryption;

/// <summary>
/// A tenant's encryption keys, keyed by tenant id: versioned AES-256 data keys (PII ciphertext names its version,
/// so a rotation can add one without rewriting old data) and one HMAC key for blind indexes. Only wrapped keys are
/// stored and returned; <see cref="TenantKeyCache"/> unwraps them with the master key on the silo that needs them.
/// Silo-internal on purpose (not in Grains.Interfaces): the API never asks for keys.
/// </summary>
public interface ITenantKeyringGrain : IGrainWithStringKey
{
    /// <summary>The tenant's wrapped keys, created on first use.</summary>
    Task<TenantWrappedKeys> GetKeys();
}

[GenerateSerializer, Immutable, Alias("encryption.tenant-wrapped-keys")]
public sealed record TenantWrappedKeys(
    [property: Id(0)] int CurrentVersion,
    [property: Id(1)] IReadOnlyList<WrappedDataKey> DataKeys,
    [property: Id(2)] string WrappedIndexKey);

[GenerateSerializer, Immutable, Alias("encryption.wrapped-data-key")]
public sealed record WrappedDataKey(
    [property: Id(0)] int Version,
    [property: Id(1)] string Wrapped,
    [property: Id(2)] DateTimeOffset CreatedAt);

public sealed class TenantKeyringGrain(
    [PersistentState("keyring")] IPersistentState<TenantKeyringState> state,
    MasterKey master,
    TimeProvider time) : Grain, ITenantKeyringGrain
{
    public async Task<TenantWrappedKeys> GetKeys()
    {
        if (state.State.DataKeys.Count == 0)
        {
            var tenant = this.GetPrimaryKeyString();
            var created = new TenantKeyringState
            {
                CurrentVersion = 1,
                DataKeys = [new WrappedDataKey(1, master.Wrap(RandomNumberGenerator.GetBytes(32), DataKeyContext(tenant, 1)), time.GetUtcNow())],
                WrappedIndexKey = master.Wrap(RandomNumberGenerator.GetBytes(32), IndexKeyContext(tenant)),
            };
            state.State = created;
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // Never hand out keys that are not stored: data sealed with them would be unreadable later.
                state.State = new TenantKeyringState();
                DeactivateOnIdle();
                throw;
            }
        }
        return new TenantWrappedKeys(state.State.CurrentVersion, state.State.DataKeys, state.State.WrappedIndexKey);
    }

    /// <summary>Wrapping context: a wrapped key only unwraps as the key it was made for, of the tenant it was made for.</summary>
    public static string DataKeyContext(string tenantId, int version) => $"keyring|{tenantId}|data|v{version}";

    public static string IndexKeyContext(string tenantId) => $"keyring|{tenantId}|index";
}

[GenerateSerializer, Alias("encryption.tenant-keyring-state")]
public sealed class TenantKeyringState
{
    [Id(0)] public int CurrentVersion { get; set; }
    [Id(1)] public List<WrappedDataKey> DataKeys { get; set; } = [];
    [Id(2)] public string WrappedIndexKey { get; set; } = "";
}
