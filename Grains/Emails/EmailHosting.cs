using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Grains.Emails;

public static class EmailHosting
{
    /// <summary>The SMTP connections (one pool per sending account), the scheduler watches and the <c>Email</c> configuration section.</summary>
    public static IServiceCollection AddEmails(this IServiceCollection services)
    {
        services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName);
        services.TryAddSingleton<SmtpDelivery>();
        services.TryAddSingleton<SchedulerWatches>();
        return services;
    }
}
