using Grains.Payments;
using Grains.Products;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Deals;

public static class DealHosting
{
    /// <summary>What deals add to a silo beyond their grains: the product-reference check (deleting a product in use is a 409) and the id tag registry.</summary>
    public static IServiceCollection AddDeals(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IProductReferences, DealProductReferences>());
        services.TryAddSingleton<DealTags>();
        services.AddOptions<DealOptions>().BindConfiguration(DealOptions.SectionName);
        services.AddPayments();
        return services;
    }
}
