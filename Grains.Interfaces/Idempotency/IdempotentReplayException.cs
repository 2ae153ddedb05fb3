namespace Grains.Interfaces.Idempotency;

/// <summary>
/// Thrown by a grain asked to run a keyed change it has already committed: <see cref="Result"/> is what the first run
/// returned. The ApiHost's outgoing call filter turns it back into that return value and marks the response replayed.
/// </summary>
[GenerateSerializer, Alias("idempotency.replay")]
public sealed class IdempotentReplayException : Exception
{
    public IdempotentReplayException()
    {
    }

    public IdempotentReplayException(object? result) : base("The keyed change was already committed; replaying its result")
    {
        Result = result;
    }

    public IdempotentReplayException(string message) : base(message)
    {
    }

    public IdempotentReplayException(string message, Exception inner) : base(message, inner)
    {
    }

    [Id(0)] public object? Result { get; init; }
}
