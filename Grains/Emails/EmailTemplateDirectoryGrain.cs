using Grains.Interfaces.Emails;
using Grains.Projections;
using Grains.Resources;

namespace Grains.Emails;

/// <summary>Lists one partition's email templates (searched by name).</summary>
[Orleans.Concurrency.StatelessWorker]
public sealed class EmailTemplateDirectoryGrain(IProjectionStore projections)
    : ResourceDirectoryGrain<EmailTemplateView>(projections, EmailTemplateKeys.ResourceType), IEmailTemplateDirectoryGrain;
