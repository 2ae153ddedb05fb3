namespace Grains.Interfaces.Idempotency;

/// <summary>
/// How a keyed request (<c>Idempotency-Key</c>) reaches the grains it changes: the ApiHost puts the key and the
/// request's fingerprint in Orleans' <see cref="RequestContext"/>, which flows with every grain call the request makes.
/// A grain that commits a change under a key stores the key, fingerprint and result in that change's own write (see
/// <c>Grains/Idempotency/KeyedChangeFilter.cs</c>), so "did the change happen?" has one durable answer. Any grain
/// gets this without new parameters: future grains (escrow, delegations, payments) inherit it from the resource
/// grain base.
/// </summary>
public static class KeyedChanges
{
    private const string KeyName = "idem.key";
    private const string FingerprintName = "idem.fp";
    private const string MethodName = "idem.method";

    private static readonly AsyncLocal<ReplayFlag?> Replays = new();

    /// <summary>Marks the current call flow as the keyed request <paramref name="key"/> (the idempotency grain key) with its fingerprint.</summary>
    public static void Enter(string key, string fingerprint)
    {
        RequestContext.Set(KeyName, key);
        RequestContext.Set(FingerprintName, fingerprint);
    }

    public static void Leave()
    {
        RequestContext.Remove(KeyName);
        RequestContext.Remove(FingerprintName);
        RequestContext.Remove(MethodName);
    }

    /// <summary>The keyed request this call belongs to, if any; <see cref="KeyedCall.Method"/> is the grain method being run.</summary>
    public static KeyedCall? Current =>
        RequestContext.Get(KeyName) is string key && RequestContext.Get(FingerprintName) is string fingerprint
            ? new KeyedCall(key, fingerprint, RequestContext.Get(MethodName) as string ?? "")
            : null;

    /// <summary>Starts watching the current flow for replayed keyed calls (the ApiHost, per keyed request).</summary>
    public static ReplayFlag ObserveReplays()
    {
        var flag = new ReplayFlag();
        Replays.Value = flag;
        return flag;
    }

    /// <summary>A keyed call of this flow was answered from the committed change instead of running again.</summary>
    public static void MarkReplayed()
    {
        if (Replays.Value is { } flag)
        {
            flag.Replayed = true;
        }
    }

    /// <summary>
    /// Runs the rest of the current flow outside its keyed request until disposed: for a grain's write that is not
    /// the request's own change (a refusal's event, a side record), which a retry must run again rather than replay.
    /// </summary>
    public static IDisposable Suspend()
    {
        var call = Current;
        Leave();
        return new Resume(call);
    }

    private sealed class Resume(KeyedCall? call) : IDisposable
    {
        public void Dispose()
        {
            if (call is not null)
            {
                Enter(call.Key, call.Fingerprint);
                EnterMethod(call.Method.Length == 0 ? null : call.Method);
            }
        }
    }

    /// <summary>Names the grain method that is about to run for the keyed request (set by the silo's call filter).</summary>
    public static void EnterMethod(string? method)
    {
        if (method is null)
        {
            RequestContext.Remove(MethodName);
        }
        else
        {
            RequestContext.Set(MethodName, method);
        }
    }
}
