namespace Grains.Platform;

/// <summary>
/// The names of the fields that differ between two versions of a record, in the order compared: the
/// <c>changed_fields</c> of <c>*.updated</c> events and audit entries.
/// </summary>
public sealed class ChangedFields
{
    private readonly List<string> names = [];

    public ChangedFields Compare<T>(string name, T before, T after)
    {
        if (!EqualityComparer<T>.Default.Equals(before, after))
        {
            names.Add(name);
        }
        return this;
    }

    public IReadOnlyList<string> Names => names;
}
