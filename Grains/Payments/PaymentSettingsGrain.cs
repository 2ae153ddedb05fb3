using Grains.Encryption;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;

namespace Grains.Payments;

/// <summary>Silo-internal: the tenant's Stripe credentials, the key still sealed (only the gateway opens it).</summary>
public interface IStripeAccountGrain : IGrainWithStringKey
{
    Task<StripeAccountRecord> Account();
}

[GenerateSerializer, Immutable, Alias("payments.account-record")]
public sealed record StripeAccountRecord([property: Id(0)] string? SealedSecretKey, [property: Id(1)] string? AccountId);

[GenerateSerializer, Alias("payments.settings-state")]
public sealed class PaymentSettingsState
{
    /// <summary>The tenant's Stripe secret key, AES-GCM sealed with the tenant's data key (<see cref="TenantCrypto"/>).</summary>
    [Id(0)] public string? SealedSecretKey { get; set; }

    [Id(1)] public string? SecretKeyHint { get; set; }

    [Id(2)] public string? AccountId { get; set; }

    [Id(3)] public Dictionary<string, bool> PaymentMethods { get; set; } = new(StringComparer.Ordinal) { ["card"] = true, ["bank_transfer"] = false };

    [Id(4)] public string? InvoiceSettingsJson { get; set; }

    [Id(5)] public DateTimeOffset? UpdatedAt { get; set; }

    /// <summary>Counts Connect onboardings, so a new one after a disconnect gets a new Stripe idempotency key.</summary>
    [Id(6)] public int Connects { get; set; }
}

/// <summary>
/// Payment settings of one partition (<c>{tenant}:{env}</c>): method toggles, invoice settings, and the Stripe
/// credentials: a secret key of the tenant's own (sealed at rest, shown only as a hint) or a Connect account.
/// </summary>
public sealed class PaymentSettingsGrain(
    [PersistentState("payment-settings")] IPersistentState<PaymentSettingsState> state,
    TenantKeyCache keys,
    StripeGateway stripe,
    TimeProvider time) : Grain, IPaymentSettingsGrain, IStripeAccountGrain
{
    private string Partition => this.GetPrimaryKeyString();

    public static string SecretKeyContext(string partition) => $"payments|{partition}|stripe_secret_key";

    public Task<PaymentSettingsView> Get() => Task.FromResult(View());

    public Task<StripeAccountRecord> Account() => Task.FromResult(new StripeAccountRecord(state.State.SealedSecretKey, state.State.AccountId));

    public async Task<PaymentSettingsView> Save(PaymentSettingsInput input)
    {
        if (input.SecretKey is { } key)
        {
            var crypto = await keys.ForTenant(Partition[..Partition.IndexOf(':')]);
            state.State.SealedSecretKey = crypto.Encrypt(key, SecretKeyContext(Partition));
            state.State.SecretKeyHint = $"{key[..key.IndexOf('_', 3)]}_…{key[^4..]}";
        }
        foreach (var (method, enabled) in input.PaymentMethods ?? new Dictionary<string, bool>())
        {
            state.State.PaymentMethods[method] = enabled;
        }
        state.State.InvoiceSettingsJson = input.InvoiceSettingsJson ?? state.State.InvoiceSettingsJson;
        state.State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        return View();
    }

    public async Task<StripeConnectLink> Connect()
    {
        var platform = stripe.Platform();
        var accountId = state.State.AccountId;
        if (accountId is null)
        {
            var account = await platform.CreateAccount($"sb-connect-{Partition}-{state.State.Connects + 1}");
            accountId = account.Id;
            state.State.AccountId = accountId;
            state.State.Connects++;
            state.State.UpdatedAt = time.GetUtcNow();
            await state.WriteStateAsync();
        }
        // A link is single-use and short-lived: each call asks Stripe for a fresh one (no idempotency key on purpose).
        var link = await platform.CreateAccountLink(accountId, stripe.Options.ConnectReturnUrl, $"sb-link-{Partition}-{Guid.NewGuid():N}");
        return new StripeConnectLink(link.Url, accountId);
    }

    public async Task<PaymentSettingsView> Disconnect()
    {
        if (state.State.AccountId is null && state.State.SealedSecretKey is null)
        {
            throw DomainException.Conflict("conflict.stripe_not_connected", "No Stripe account or key is connected");
        }
        state.State.AccountId = null;
        state.State.SealedSecretKey = null;
        state.State.SecretKeyHint = null;
        state.State.UpdatedAt = time.GetUtcNow();
        await state.WriteStateAsync();
        return View();
    }

    private PaymentSettingsView View() => new("stripe", state.State.SealedSecretKey is not null || state.State.AccountId is not null,
        state.State.AccountId, state.State.SecretKeyHint, new Dictionary<string, bool>(state.State.PaymentMethods, StringComparer.Ordinal),
        state.State.InvoiceSettingsJson, state.State.UpdatedAt);
}

[GenerateSerializer, Alias("payments.locator-state")]
public sealed class PaymentIntentLocatorState
{
    [Id(0)] public string? DealGrainKey { get; set; }
}

/// <summary>Which deal made a PaymentIntent; the first registration wins (an id is Stripe's, never reused).</summary>
public sealed class PaymentIntentLocatorGrain([PersistentState("payment-intent")] IPersistentState<PaymentIntentLocatorState> state)
    : Grain, IPaymentIntentLocatorGrain
{
    public async Task Register(string dealGrainKey)
    {
        if (state.State.DealGrainKey is not null)
        {
            return;
        }
        state.State.DealGrainKey = dealGrainKey;
        await state.WriteStateAsync();
    }

    public Task<string?> DealGrainKey() => Task.FromResult(state.State.DealGrainKey);
}

[GenerateSerializer, Alias("payments.stripe-customer-state")]
public sealed class StripeCustomerState
{
    [Id(0)] public string? StripeCustomerId { get; set; }
}

public sealed class StripeCustomerGrain([PersistentState("stripe-customer")] IPersistentState<StripeCustomerState> state)
    : Grain, IStripeCustomerGrain
{
    public Task<string?> StripeCustomerId() => Task.FromResult(state.State.StripeCustomerId);

    public async Task<string> Remember(string stripeCustomerId)
    {
        if (state.State.StripeCustomerId is { } known)
        {
            return known;
        }
        state.State.StripeCustomerId = stripeCustomerId;
        await state.WriteStateAsync();
        return stripeCustomerId;
    }
}
