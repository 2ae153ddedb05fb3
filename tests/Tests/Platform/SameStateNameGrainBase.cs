namespace Tests.Platform;

public static class SameStateName
{
    public const string Name = "samename";
}

public interface ISameStateNameFirstGrain : IGrainWithStringKey
{
    Task Set(string value);
    Task<string?> Get();
    Task Deactivate();
}

public interface ISameStateNameSecondGrain : IGrainWithStringKey
{
    Task Set(string value);
    Task<string?> Get();
    Task Deactivate();
}

/// <summary>Two grain classes that deliberately share a state name (test-only; product grains never do).</summary>
public abstract class SameStateNameGrainBase(IPersistentState<SchemaSmokeState> state) : Grain
{
    public async Task Set(string value)
    {
        state.State!.Value = value;
        await state.WriteStateAsync();
    }

    public Task<string?> Get() => Task.FromResult(state.State!.Value);

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

public sealed class SameStateNameFirstGrain([PersistentState(SameStateName.Name)] IPersistentState<SchemaSmokeState> state)
    : SameStateNameGrainBase(state), ISameStateNameFirstGrain;

public sealed class SameStateNameSecondGrain([PersistentState(SameStateName.Name)] IPersistentState<SchemaSmokeState> state)
    : SameStateNameGrainBase(state), ISameStateNameSecondGrain;
