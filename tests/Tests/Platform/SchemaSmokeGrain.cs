using System.Collections.Concurrent;

namespace Tests.Platform;

/// <summary>
/// Test-only grain for <see cref="SchemaMigrationTests"/>: persists through the "schema-smoke" ADO.NET
/// storage and owns a reminder, so a real silo exercises our persistence and reminder queries.
/// </summary>
public interface ISchemaSmokeGrain : IGrainWithStringKey
{
    Task<SchemaSmokeSnapshot> Write(string value);
    Task<SchemaSmokeSnapshot> Read();
    Task<SchemaSmokeSnapshot> Clear();
    Task Deactivate();
    Task StartReminder(TimeSpan due, TimeSpan period);
    Task<bool> HasReminder();
    Task StopReminder();
}

[GenerateSerializer, Immutable]
public sealed record SchemaSmokeSnapshot(
    [property: Id(0)] string? Value,
    [property: Id(1)] string? ETag,
    [property: Id(2)] bool RecordExists);

[GenerateSerializer]
public sealed class SchemaSmokeState
{
    [Id(0)] public string? Value { get; set; }
}

public sealed class SchemaSmokeGrain(
    [PersistentState("smoke", SchemaSmokeGrain.StorageName)] IPersistentState<SchemaSmokeState> state)
    : Grain, ISchemaSmokeGrain, IRemindable
{
    public const string StorageName = "schema-smoke";
    public const string ReminderName = "smoke";

    /// <summary>Reminder ticks per grain key; static because delivery is what the test observes.</summary>
    public static ConcurrentDictionary<string, int> Ticks { get; } = new();

    public async Task<SchemaSmokeSnapshot> Write(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
        return Snapshot();
    }

    public Task<SchemaSmokeSnapshot> Read() => Task.FromResult(Snapshot());

    public async Task<SchemaSmokeSnapshot> Clear()
    {
        await state.ClearStateAsync();
        return Snapshot();
    }

    public Task Deactivate()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task StartReminder(TimeSpan due, TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, due, period);

    public async Task<bool> HasReminder() => await this.GetReminder(ReminderName) is not null;

    public async Task StopReminder()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        Ticks.AddOrUpdate(this.GetPrimaryKeyString(), 1, (_, count) => count + 1);
        return Task.CompletedTask;
    }

    private SchemaSmokeSnapshot Snapshot() => new(state.State.Value, state.Etag, state.RecordExists);
}
