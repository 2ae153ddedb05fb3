using Grains.Interfaces.Emails;
using Grains.Resources;

namespace Grains.Emails;

/// <summary>An email template's persisted state: nothing but the resource's (<see cref="ResourceState{TRecord}"/>).</summary>
[GenerateSerializer, Alias("emails.template-state")]
public sealed class EmailTemplateState : ResourceState<EmailTemplateView>;
