namespace Grains.Interfaces.Platform;

/// <summary>
/// A PATCH input: a field sent with a value sets it, a field sent as null or an empty string is named in
/// <see cref="Cleared"/>, and a field not sent keeps what it was.
/// </summary>
public interface IFieldPatch
{
    /// <summary>The wire names of the fields the client sent as null or "".</summary>
    IReadOnlyList<string> Cleared { get; }
}

/// <summary>The one PATCH rule, applied field by field: the sent value, else the cleared value when cleared, else the current one.</summary>
public static class FieldPatch
{
    public static bool IsCleared(this IFieldPatch patch, string field) => patch.Cleared.Contains(field);

    /// <summary>A reference field: cleared means nothing.</summary>
    public static T? Patched<T>(this IFieldPatch patch, T? sent, T? current, string field) where T : class =>
        sent ?? (patch.IsCleared(field) ? null : current);

    /// <summary>A value field: cleared means nothing.</summary>
    public static T? PatchedValue<T>(this IFieldPatch patch, T? sent, T? current, string field) where T : struct =>
        sent ?? (patch.IsCleared(field) ? null : current);

    /// <summary>A reference field that always has a value: cleared means <paramref name="fallback"/>.</summary>
    public static T PatchedOr<T>(this IFieldPatch patch, T? sent, T current, string field, T fallback) where T : class =>
        sent ?? (patch.IsCleared(field) ? fallback : current);

    /// <summary>A value field that always has a value: cleared means <paramref name="fallback"/>.</summary>
    public static T PatchedValueOr<T>(this IFieldPatch patch, T? sent, T current, string field, T fallback) where T : struct =>
        sent ?? (patch.IsCleared(field) ? fallback : current);
}
