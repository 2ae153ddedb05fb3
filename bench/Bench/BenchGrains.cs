using Orleans.Concurrency;

namespace Bench;

/// <summary>The embedded GET target: a grain holding a small state, returned as is.</summary>
public interface IBenchReadGrain : IGrainWithIntegerKey
{
    Task<BenchItem> Get();
}

/// <summary>The persisted-write target: sets its state and writes it through the default storage provider.</summary>
public interface IBenchWriteGrain : IGrainWithIntegerKey
{
    Task<WriteResult> Write();

    /// <summary>Changes the state in memory only: the grain call without the storage write (investigation).</summary>
    Task<WriteResult> Touch();
}

/// <summary>Investigation only: the same grain on an ADO.NET provider using the Orleans binary serializer.</summary>
public interface IBenchWriteBinaryGrain : IGrainWithIntegerKey
{
    Task<WriteResult> Write();
}

/// <summary>Investigation only: the same grain on an ADO.NET provider using the System.Text.Json serializer.</summary>
public interface IBenchWriteStjGrain : IGrainWithIntegerKey
{
    Task<WriteResult> Write();
}

/// <summary>Investigation only: the same grain on the stock Orleans ADO.NET provider (default serializer, our 0002 SQL).</summary>
public interface IBenchWriteAdoNetGrain : IGrainWithIntegerKey
{
    Task<WriteResult> Write();
}

[GenerateSerializer, Immutable]
public sealed record BenchItem(
    [property: Id(0)] long Id,
    [property: Id(1)] string Name,
    [property: Id(2)] int Counter,
    [property: Id(3)] DateTimeOffset UpdatedAt);

[GenerateSerializer, Immutable]
public sealed record WriteResult([property: Id(0)] long Id, [property: Id(1)] int Version);

[GenerateSerializer]
public sealed class BenchState
{
    [Id(0)] public int Counter { get; set; }
    [Id(1)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(2)] public string Data { get; set; } = "";
}

public sealed class BenchReadGrain([PersistentState("benchread")] IPersistentState<BenchState> state) : Grain, IBenchReadGrain
{
    private BenchItem? item;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Small, fixed state: the GET measures the call path, not state construction.
        if (!state.RecordExists)
        {
            state.State.Counter = (int)(this.GetPrimaryKeyLong() % 1000);
            state.State.UpdatedAt = DateTimeOffset.UnixEpoch;
            state.State.Data = $"item-{this.GetPrimaryKeyLong()}";
        }
        return Task.CompletedTask;
    }

    public Task<BenchItem> Get() =>
        Task.FromResult(item ??= new BenchItem(this.GetPrimaryKeyLong(), state.State.Data, state.State.Counter, state.State.UpdatedAt));
}

public abstract class BenchWriterBase(IPersistentState<BenchState> state) : Grain
{
    /// <summary>Length of <see cref="BenchState.Data"/>; set once per process from the server's options.</summary>
    public static int DataLength { get; set; } = 200;

    private static string? filler;

    public async Task<WriteResult> Write()
    {
        Mutate();
        await state.WriteStateAsync();
        return new WriteResult(this.GetPrimaryKeyLong(), state.State.Counter);
    }

    public Task<WriteResult> Touch()
    {
        Mutate();
        return Task.FromResult(new WriteResult(this.GetPrimaryKeyLong(), state.State.Counter));
    }

    private void Mutate()
    {
        filler ??= new string('x', DataLength);
        state.State.Counter++;
        state.State.UpdatedAt = DateTimeOffset.UtcNow;
        state.State.Data = filler;
    }
}

public sealed class BenchWriteGrain([PersistentState(BenchServer.WriteStateName)] IPersistentState<BenchState> state)
    : BenchWriterBase(state), IBenchWriteGrain;

public sealed class BenchWriteBinaryGrain([PersistentState("benchwritebin", BenchServer.BinaryStorage)] IPersistentState<BenchState> state)
    : BenchWriterBase(state), IBenchWriteBinaryGrain;

public sealed class BenchWriteAdoNetGrain([PersistentState("benchwriteado", BenchServer.AdoNetStorage)] IPersistentState<BenchState> state)
    : BenchWriterBase(state), IBenchWriteAdoNetGrain;

public sealed class BenchWriteStjGrain([PersistentState("benchwritestj", BenchServer.StjStorage)] IPersistentState<BenchState> state)
    : BenchWriterBase(state), IBenchWriteStjGrain;
