using Grains.Encryption;
using Grains.Interfaces.Payments;
using Grains.Interfaces.Platform;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stripe;

namespace Grains.Payments;

/// <summary>
/// Stripe.net (the only Stripe client) for one tenant: its own secret key (sealed in its settings, opened here on
/// the silo) or the platform key acting for its Connect account. One shared HTTP client; Stripe errors become
/// domain errors: a rejected key 409, a refused request 400 naming Stripe's message, Stripe unreachable 503.
/// </summary>
public sealed class StripeGateway(IOptions<StripeOptions> options, IGrainFactory grains, TenantKeyCache keys, ILogger<StripeGateway> logger)
{
    private readonly SystemNetHttpClient http = new(new HttpClient { Timeout = TimeSpan.FromSeconds(options.Value.TimeoutSeconds) }, maxNetworkRetries: 1);

    public StripeOptions Options => options.Value;

    /// <summary>The tenant's Stripe session, or 409 <c>conflict.payments_not_configured</c>.</summary>
    public async Task<StripeSession> ForPartition(string partition)
    {
        var account = await grains.GetGrain<IStripeAccountGrain>(partition).Account();
        if (account.SealedSecretKey is { } sealedKey)
        {
            var tenant = partition[..partition.IndexOf(':')];
            var key = (await keys.ForTenant(tenant)).Decrypt(sealedKey, PaymentSettingsGrain.SecretKeyContext(partition));
            return new StripeSession(Client(key), null, logger);
        }
        if (account.AccountId is { } connected && options.Value.SecretKey is { Length: > 0 } platform)
        {
            return new StripeSession(Client(platform), connected, logger);
        }
        throw DomainException.Conflict("conflict.payments_not_configured",
            "Stripe is not connected: connect it (action=connect-stripe) or save a secret key (action=save-settings)");
    }

    /// <summary>The platform's own session (Connect onboarding), or 409 when no platform key is configured.</summary>
    public StripeSession Platform() => options.Value.SecretKey is { Length: > 0 } platform
        ? new StripeSession(Client(platform), null, logger)
        : throw DomainException.Conflict("conflict.stripe_connect_unavailable",
            "Stripe Connect is not configured on this server; save a Stripe secret key instead (action=save-settings)");

    private StripeClient Client(string apiKey) => new(apiKey, httpClient: http, apiBase: options.Value.ApiBase);
}

/// <summary>Calls for one tenant; every call carries our idempotency key so a retry never makes a second object.</summary>
public sealed class StripeSession(IStripeClient client, string? connectedAccount, ILogger logger)
{
    public Task<PaymentIntent> CreateIntent(PaymentIntentCreateOptions create, string idempotencyKey) =>
        Call(() => new PaymentIntentService(client).CreateAsync(create, Request(idempotencyKey)));

    public Task<PaymentIntent> GetIntent(string id) => Call(() => new PaymentIntentService(client).GetAsync(id, null, Request(null)));

    public Task<PaymentIntent> Capture(string id, long? amountToCapture, string idempotencyKey) =>
        Call(() => new PaymentIntentService(client).CaptureAsync(id, new PaymentIntentCaptureOptions { AmountToCapture = amountToCapture },
            Request(idempotencyKey)));

    public Task<PaymentIntent> Cancel(string id, string idempotencyKey) =>
        Call(() => new PaymentIntentService(client).CancelAsync(id, new PaymentIntentCancelOptions(), Request(idempotencyKey)));

    /// <summary>Confirms server-side; a card decline comes back as the intent Stripe declined (its last_payment_error set).</summary>
    public Task<PaymentIntent> Confirm(string id, string idempotencyKey) => Call(async () =>
    {
        try
        {
            return await new PaymentIntentService(client).ConfirmAsync(id, new PaymentIntentConfirmOptions(), Request(idempotencyKey));
        }
        catch (StripeException ex) when (ex.StripeError is { Type: "card_error", PaymentIntent: { } declined })
        {
            return declined;
        }
    });

    public Task<Customer> CreateCustomer(string customerId, string idempotencyKey) =>
        Call(() => new CustomerService(client).CreateAsync(new CustomerCreateOptions
        {
            Metadata = new Dictionary<string, string> { [PaymentKeys.CustomerMetadataKey] = customerId },
        }, Request(idempotencyKey)));

    public Task<Customer> GetCustomer(string id) => Call(() => new CustomerService(client).GetAsync(id, null, Request(null)));

    /// <summary>The customer's saved cards, newest first.</summary>
    public Task<StripeList<PaymentMethod>> CardsOf(string stripeCustomerId) =>
        Call(() => new PaymentMethodService(client).ListAsync(new PaymentMethodListOptions { Customer = stripeCustomerId, Type = "card" }, Request(null)));

    /// <summary>An off-session charge (create and confirm at once); a card decline comes back as the declined intent.</summary>
    public Task<PaymentIntent> ChargeOffSession(PaymentIntentCreateOptions create, string idempotencyKey) => Call(async () =>
    {
        try
        {
            return await new PaymentIntentService(client).CreateAsync(create, Request(idempotencyKey));
        }
        catch (StripeException ex) when (ex.StripeError is { Type: "card_error", PaymentIntent: { } declined })
        {
            return declined;
        }
    });

    public Task<Stripe.Checkout.Session> CreateCheckout(Stripe.Checkout.SessionCreateOptions create, string idempotencyKey) =>
        Call(() => new Stripe.Checkout.SessionService(client).CreateAsync(create, Request(idempotencyKey)));

    public Task<Refund> Refund(string paymentIntentId, long amount, string? reason, string idempotencyKey) =>
        Call(() => new RefundService(client).CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = paymentIntentId,
            Amount = amount,
            Metadata = reason is null ? null : new Dictionary<string, string> { ["reason"] = reason },
        }, Request(idempotencyKey)));

    public Task<Account> CreateAccount(string idempotencyKey) =>
        Call(() => new AccountService(client).CreateAsync(new AccountCreateOptions { Type = "standard" }, Request(idempotencyKey)));

    public Task<AccountLink> CreateAccountLink(string accountId, string returnUrl, string idempotencyKey) =>
        Call(() => new AccountLinkService(client).CreateAsync(new AccountLinkCreateOptions
        {
            Account = accountId,
            RefreshUrl = returnUrl,
            ReturnUrl = returnUrl,
            Type = "account_onboarding",
        }, Request(idempotencyKey)));

    private RequestOptions Request(string? idempotencyKey) => new() { IdempotencyKey = idempotencyKey, StripeAccount = connectedAccount };

    private async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException ex) when ((int)ex.HttpStatusCode is 401 or 403)
        {
            throw DomainException.Conflict("conflict.payments_not_configured", $"Stripe rejected the tenant's credentials: {ex.StripeError?.Message ?? ex.Message}");
        }
        catch (StripeException ex) when ((int)ex.HttpStatusCode is >= 400 and < 500 and not 429)
        {
            throw new DomainException("validation_error.payment_provider_rejected",
                $"Stripe refused the request: {ex.StripeError?.Message ?? ex.Message}", new PaymentProviderDetails(ex.StripeError?.Code, ex.StripeError?.Type));
        }
        catch (Exception ex) when (ex is StripeException or HttpRequestException or TaskCanceledException)
        {
            logger.LogWarning(ex, "Stripe call failed");
            throw new DomainException("transient_error.payment_provider_unavailable", "Stripe did not answer; retry with the same Idempotency-Key");
        }
    }
}
