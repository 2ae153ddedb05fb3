using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Emails;

public static class EmailHosting
{
    /// <summary>The SMTP connections (one per sending account) and the <c>Email</c> configuration section.</summary>
    public static IServiceCollection AddEmails(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName);
        services.TryAddSingleton<SmtpDelivery>();
        return services;
    }
}
