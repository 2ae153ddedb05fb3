using Grains.Interfaces.Idempotency;
using Microsoft.Extensions.Logging;

namespace Grains.Idempotency;

/// <summary>A keyed change a grain committed: stored in the grain's state by the same write as the change.</summary>
/// <param name="Fingerprint">The request's fingerprint (a retry must match it to be answered from here).</param>
/// <param name="Method">The grain interface method that ran (only a call of the same method is answered from here).</param>
/// <param name="Result">What that method returned; a replay returns it again.</param>
/// <param name="At">When it committed (entries go after <see cref="IdempotencyPolicy.Retention"/>).</param>
[GenerateSerializer, Immutable, Alias("idempotency.applied-key")]
public sealed record AppliedKey(
    [property: Id(0)] string Fingerprint,
    [property: Id(1)] string Method,
    [property: Id(2)] object? Result,
    [property: Id(3)] DateTimeOffset At);

/// <summary>A grain that records the keyed changes it commits (see <see cref="KeyedChanges"/>).</summary>
public interface IAppliesKeyedChanges
{
    /// <summary>The committed change for this key, if the grain holds one, its result as the grain method returned it.</summary>
    Task<AppliedKey?> Applied(string key);
}

/// <summary>
/// Silo-wide incoming filter: a keyed call to a grain that already committed that key (same fingerprint and method)
/// does not run again; the first run's result comes back as <see cref="IdempotentReplayException"/>. Otherwise it
/// names the method for the grain's commit and lets the call run.
/// </summary>
public sealed class KeyedChangeFilter(ILogger<KeyedChangeFilter> logger) : IIncomingGrainCallFilter
{
    // Most calls carry no key: they pass straight through, with no state machine of this filter's own.
    public Task Invoke(IIncomingGrainCallContext context) =>
        context.Grain is IAppliesKeyedChanges grain && KeyedChanges.Current is { } call ? InvokeKeyed(context, grain, call) : context.Invoke();

    private async Task InvokeKeyed(IIncomingGrainCallContext context, IAppliesKeyedChanges grain, KeyedCall call)
    {
        var method = context.InterfaceMethod.Name;
        if (await grain.Applied(call.Key) is { } applied && applied.Fingerprint == call.Fingerprint && applied.Method == method)
        {
            var returns = context.InterfaceMethod.ReturnType;
            var expected = returns.IsGenericType ? returns.GetGenericArguments()[0] : null;
            if (applied.Result is not null && (expected is null || !expected.IsInstanceOfType(applied.Result)))
            {
                // A grain stored the wrong result for its method: fail rather than run the change a second time.
                throw new InvalidOperationException(
                    $"The stored result of keyed call {method} on {context.TargetId} is a {applied.Result.GetType().Name}, not a {expected?.Name ?? "void"}");
            }
            logger.LogInformation("Keyed call {Method} on {Grain} was already committed; replaying its result", method, context.TargetId);
            throw new IdempotentReplayException(applied.Result);
        }
        KeyedChanges.EnterMethod(method);
        try
        {
            await context.Invoke();
        }
        finally
        {
            KeyedChanges.EnterMethod(call.Method.Length == 0 ? null : call.Method);
        }
    }
}

/// <summary>
/// Outgoing filter (silos and clients): a call answered with <see cref="IdempotentReplayException"/> returns the first
/// run's result to its caller as if it had just run, and tells the request (<see cref="KeyedChanges.MarkReplayed"/>),
/// so the ApiHost can answer <c>Idempotent-Replayed: true</c>.
/// </summary>
public sealed class KeyedReplayFilter : IOutgoingGrainCallFilter
{
    // Only a call made under a key can be answered with a replay (the key travels with it in the request context).
    public Task Invoke(IOutgoingGrainCallContext context) => KeyedChanges.Current is null ? context.Invoke() : InvokeKeyed(context);

    private static async Task InvokeKeyed(IOutgoingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (IdempotentReplayException replay)
        {
            context.Result = replay.Result;
            KeyedChanges.MarkReplayed();
        }
    }
}
