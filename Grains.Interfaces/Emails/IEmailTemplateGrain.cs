using Grains.Interfaces.Platform;

namespace Grains.Interfaces.Emails;

/// <summary>
/// An email template (<c>tpl_</c>), keyed <c>{partition}/{tpl_id}</c>: subject, plain-text body and optional HTML body.
/// A create or change is 400 naming the field when a placeholder does not parse.
/// </summary>
public interface IEmailTemplateGrain : IResourceGrain<EmailTemplateFields, EmailTemplateView>;

public interface IEmailTemplateDirectoryGrain : IResourceDirectoryGrain<EmailTemplateView>;

[GenerateSerializer, Immutable, Alias("emails.template-fields")]
public sealed record EmailTemplateFields : IFieldPatch
{
    [Id(0)] public string? Name { get; init; }
    [Id(1)] public string? Subject { get; init; }
    [Id(2)] public string? Body { get; init; }
    [Id(3)] public string? HtmlBody { get; init; }
    [Id(4)] public IReadOnlyList<string>? Variables { get; init; }
    [Id(5)] public IReadOnlyList<string> Cleared { get; init; } = [];
}

[GenerateSerializer, Immutable, Alias("emails.template-view")]
public sealed record EmailTemplateView : IVersionedView
{
    [Id(0)] public required string Id { get; init; }
    [Id(1)] public required string Name { get; init; }
    [Id(2)] public required string Subject { get; init; }
    [Id(3)] public required string Body { get; init; }
    [Id(4)] public string? HtmlBody { get; init; }

    /// <summary>Every variable the subject and bodies read, in order of first use (declared ones first).</summary>
    [Id(5)] public IReadOnlyList<string> Variables { get; init; } = [];
    [Id(6)] public long Version { get; init; }
    [Id(7)] public DateTimeOffset CreatedAt { get; init; }
    [Id(8)] public DateTimeOffset UpdatedAt { get; init; }
}

public static class EmailTemplateKeys
{
    public const string IdPrefix = "tpl";
    public const string ResourceType = "email_template";
    public const int MaxSubjectLength = 998;
    public const int MaxBodyLength = 200_000;

    public static string Grain(string partition, string templateId) => $"{partition}/{templateId}";
}
