namespace Grains.Payments;

/// <summary>Configuration section <c>Stripe</c>: where Stripe is, the platform key (Connect) and the inbound webhook secret.</summary>
public sealed class StripeOptions
{
    public const string SectionName = "Stripe";

    /// <summary>Stripe's API base; tests point it at a local fake Stripe. Null: Stripe.net's default (https://api.stripe.com).</summary>
    public string? ApiBase { get; set; }

    /// <summary>The platform's secret key: Connect onboarding, and calls for tenants connected through Connect.</summary>
    public string? SecretKey { get; set; }

    /// <summary>Where Stripe sends a tenant after Connect onboarding (and back to when the link expired).</summary>
    public string ConnectReturnUrl { get; set; } = "https://salesbooth.com/settings/payments";

    /// <summary>Where Checkout sends the customer when generate-link names no URL.</summary>
    public string CheckoutReturnUrl { get; set; } = "https://salesbooth.com/pay/complete";

    public int TimeoutSeconds { get; set; } = 20;
}
