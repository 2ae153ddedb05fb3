using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Payments;

public static class PaymentHosting
{
    /// <summary>The Stripe gateway (configuration section <c>Stripe</c>).</summary>
    public static IServiceCollection AddPayments(this IServiceCollection services)
    {
        services.AddOptions<StripeOptions>().BindConfiguration(StripeOptions.SectionName);
        services.TryAddSingleton<StripeGateway>();
        return services;
    }
}
