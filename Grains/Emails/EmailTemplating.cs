using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Fluid;
using Fluid.Values;
using Grains.Interfaces.Platform;

namespace Grains.Emails;

/// <summary>
/// Templates are Liquid (Fluid): <c>{{first_name}}</c>, with filters (<c>{{ first_name | capitalize }}</c>) and tags.
/// SAM's <c>{first_name}</c> and 4Runr's <c>{name}</c> single-brace forms are accepted: a single-brace identifier
/// (not part of <c>{{ }}</c>) is rewritten to <c>{{ identifier }}</c> before parsing, so both mean the same variable.
/// Every variable a template reads must have a value when an email is requested: a missing one is a 400 naming it,
/// never a blank in a sent email (collected by Fluid's undefined-value hook while rendering).
/// </summary>
public static partial class EmailTemplating
{
    private static readonly FluidParser Parser = new();

    /// <summary>
    /// Parsed templates by source text (a changed template is a new source, so no version is needed): every email of
    /// a template renders the same few sources, and parsing them was as costly as rendering. Fluid's parsed templates
    /// are immutable and render concurrently. Bounded: emptied when it holds <see cref="MaxParsed"/> sources.
    /// </summary>
    private static readonly ConcurrentDictionary<string, IFluidTemplate> ParsedSources = new(StringComparer.Ordinal);
    private const int MaxParsed = 1024;

    // Collects the undefined variables of the render running on this async flow.
    private static readonly AsyncLocal<List<string>?> Missing = new();

    private static readonly TemplateOptions Options = new TemplateOptionsBuilder()
        .WithStrictFilters()
        .WithMaxSteps(100_000)
        .WithMaxOutputSize(1_000_000)
        .WithMaxRecursion(20)
        .WithUndefined((path, _) =>
        {
            Missing.Value?.Add(path);
            return ValueTask.FromResult<FluidValue>(NilValue.Instance);
        })
        .Build();

    /// <summary>The template text with single-brace placeholders rewritten to Liquid's double-brace form.</summary>
    public static string Normalize(string source) => SingleBrace().Replace(source, "{{ $1 }}");

    /// <summary>Parses the (normalized) source; 400 on <paramref name="field"/> when it is not a valid template.</summary>
    public static IFluidTemplate Parse(string source, string field)
    {
        if (!Parser.TryParse(Normalize(source), out var template, out var error))
        {
            throw DomainException.Invalid(field, "invalid_template", $"{field} is not a valid template: {error}");
        }
        return template;
    }

    /// <summary><see cref="Parse"/> once per source (an invalid one is not kept: each use answers its 400).</summary>
    private static IFluidTemplate Parsed(string source, string field)
    {
        if (ParsedSources.TryGetValue(source, out var cached))
        {
            return cached;
        }
        var template = Parse(source, field);
        if (ParsedSources.Count >= MaxParsed)
        {
            ParsedSources.Clear();
        }
        ParsedSources[source] = template;
        return template;
    }

    /// <summary>The variables the sources read (identifiers at the start of an output or a tag's expression), in order of first use.</summary>
    public static IReadOnlyList<string> VariablesOf(params string?[] sources) =>
        [.. sources.Where(s => s is not null).SelectMany(s => OutputVariable().Matches(Normalize(s!)).Select(m => m.Groups[1].Value))
            .Where(v => !LiquidWords.Contains(v)).Distinct(StringComparer.Ordinal)];

    /// <summary>Renders with the given values; 400 <c>missing_variable</c> on <c>variables.{name}</c> for the first undefined one (all are listed in the message).</summary>
    public static string Render(string source, IReadOnlyDictionary<string, string> values, TextEncoder encoder, string field)
    {
        var template = Parsed(source, field);
        var context = new TemplateContext(Options);
        foreach (var (name, value) in values)
        {
            context.SetValue(name, value);
        }
        var missing = new List<string>();
        Missing.Value = missing;
        string text;
        try
        {
            text = template.Render(context, encoder);
        }
        finally
        {
            Missing.Value = null;
        }
        if (missing.Count > 0)
        {
            var names = missing.Distinct(StringComparer.Ordinal).ToList();
            throw DomainException.Invalid($"variables.{names[0]}", "missing_variable",
                $"The template's {field} uses {string.Join(", ", names)} but no value was given for {(names.Count == 1 ? "it" : "them")}");
        }
        return text;
    }

    public static string Plain(string source, IReadOnlyDictionary<string, string> values, string field) =>
        Render(source, values, NullEncoder.Default, field);

    public static string Html(string source, IReadOnlyDictionary<string, string> values, string field) =>
        Render(source, values, HtmlEncoder.Default, field);

    private static readonly HashSet<string> LiquidWords = new(StringComparer.Ordinal)
    {
        "if", "elsif", "else", "endif", "unless", "endunless", "for", "endfor", "in", "case", "when", "endcase", "assign",
        "capture", "endcapture", "raw", "endraw", "comment", "endcomment", "and", "or", "not", "contains", "true", "false",
        "nil", "null", "empty", "blank", "cycle", "increment", "decrement", "break", "continue", "liquid", "echo", "forloop",
    };

    [GeneratedRegex(@"(?<!\{)\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}(?!\})")]
    private static partial Regex SingleBrace();

    [GeneratedRegex(@"\{[\{%]-?\s*(?:(?:if|elsif|unless|case|when|echo)\s+)?([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex OutputVariable();
}
