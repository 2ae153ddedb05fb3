using System.Reflection;

namespace Tests.Platform;

public sealed class GrainStateNameTests
{
    /// <summary>
    /// The stock Orleans ADO.NET storage (still selectable with <c>Orleans:GrainStorage=AdoNet</c>) keys a row by state
    /// name and grain key, not by grain class: two grain classes with the same <c>[PersistentState("x")]</c> name and key
    /// would share one row there. Our default provider keys by grain type as well, but every state name stays ours alone.
    /// </summary>
    [Fact]
    public void Every_persistent_state_name_belongs_to_one_grain_class()
    {
        var names = typeof(Grains.Tenants.TenantGrain).Assembly.GetTypes()
            .Where(t => typeof(Grain).IsAssignableFrom(t) && !t.IsAbstract)
            .SelectMany(t => t.GetConstructors().SelectMany(c => c.GetParameters())
                .Select(p => p.GetCustomAttribute<PersistentStateAttribute>())
                .OfType<PersistentStateAttribute>()
                .Select(a => (Grain: t.Name, a.StateName)))
            .ToList();

        Assert.True(names.Count >= 7, $"found only {names.Count} persistent states");
        var shared = names.GroupBy(n => n.StateName).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.Grain))}");
        Assert.Empty(shared);
    }
}
