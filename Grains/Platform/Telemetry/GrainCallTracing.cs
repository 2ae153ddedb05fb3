using System.Diagnostics;

namespace Grains.Platform.Telemetry;

/// <summary>
/// The trace context a grain call carries: the W3C <c>traceparent</c> (and <c>tracestate</c>) text under the same
/// <see cref="RequestContext"/> keys Orleans' own propagation uses, so either side may be Orleans' filters.
/// </summary>
public static class GrainCallTracing
{
    /// <summary>The source of the grain call spans; one span per call, recorded where the grain runs.</summary>
    public const string SourceName = "Salesbooth.GrainCalls";

    public const string TraceParentKey = "traceparent";
    public const string TraceStateKey = "tracestate";

    /// <summary>Orleans' own interfaces (grain extensions, system grains): runtime chatter, not a request's work.</summary>
    private const string OrleansInterfacePrefix = "Orleans.";

    internal static readonly ActivitySource Source = new(SourceName, "1.0");

    internal static bool IsOrleansInterface(string interfaceName) => interfaceName.StartsWith(OrleansInterfacePrefix, StringComparison.Ordinal);

    /// <summary>
    /// The sampled trace context a call arrived with, or default: none, unreadable, or not sampled (its caller records
    /// nothing either, so neither does the callee).
    /// </summary>
    internal static ActivityContext SampledCallerContext()
    {
        // The flags are read before parsing: parsing allocates the ids' hex strings, which an unsampled call never needs.
        if (RequestContext.Get(TraceParentKey) is not string traceParent || !IsSampled(traceParent)
            || !ActivityContext.TryParse(traceParent, RequestContext.Get(TraceStateKey) as string, isRemote: true, out var context))
        {
            return default;
        }
        return context;
    }

    /// <summary>Whether a W3C <c>traceparent</c> (<c>00-{trace id}-{span id}-{flags}</c>) has the sampled flag, bit 0 of its last hex digit.</summary>
    internal static bool IsSampled(string traceParent) =>
        traceParent.Length >= 55 && "13579bdfBDF".Contains(traceParent[^1]);
}

/// <summary>
/// Hands the current span's trace context to the grain being called. Only a recorded (sampled) span is handed on;
/// otherwise the call is passed through untouched, allocating nothing. A grain that records no span of its own passes
/// on, unchanged, the context it was called with (Orleans copies the request context to the calls a grain makes).
/// </summary>
public sealed class TraceContextOutgoingFilter : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (Activity.Current is { Recorded: true } current)
        {
            RequestContext.Set(GrainCallTracing.TraceParentKey, current.Id!);
            if (current.TraceStateString is { } traceState)
            {
                RequestContext.Set(GrainCallTracing.TraceStateKey, traceState);
            }
        }
        return context.Invoke();
    }
}

/// <summary>
/// Records the one span of a grain call, where the grain runs: kind Server, named <c>IInterface/Method</c>, tagged
/// <c>rpc.system</c>, <c>rpc.service</c>, <c>rpc.method</c> only. It is the current span while the grain works, so the
/// Npgsql commands and the grain calls it makes join the caller's trace.
/// </summary>
/// <remarks>
/// Only a call carrying a sampled trace context gets a span; a call without one (a reminder tick, a timer's work,
/// runtime chatter) records none here: whatever starts such work and is worth a trace starts its own span
/// (<see cref="SalesboothTracing"/>).
/// </remarks>
public sealed class GrainCallSpanFilter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        var caller = GrainCallTracing.Source.HasListeners() ? GrainCallTracing.SampledCallerContext() : default;
        if (caller == default || GrainCallTracing.IsOrleansInterface(context.InterfaceName))
        {
            // A span left current by whatever started this activation's work is not this call's cause.
            return Activity.Current is null ? context.Invoke() : InvokeOutsideAnySpan(context);
        }
        var span = GrainCallTracing.Source.StartActivity(context.Request.GetActivityName(), ActivityKind.Server, caller);
        if (span is null)
        {
            return Activity.Current is null ? context.Invoke() : InvokeOutsideAnySpan(context);
        }
        if (span.IsAllDataRequested)
        {
            // RPC semantic conventions; the names are the generated code's constants, so tagging allocates no strings.
            span.SetTag("rpc.system", "orleans");
            span.SetTag("rpc.service", context.InterfaceName);
            span.SetTag("rpc.method", context.MethodName);
        }
        return InvokeInSpan(context, span);
    }

    private static async Task InvokeInSpan(IIncomingGrainCallContext context, Activity span)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception ex)
        {
            span.SetStatus(ActivityStatusCode.Error);
            span.SetTag("error.type", ex.GetType().FullName);
            throw;
        }
        finally
        {
            span.Stop();
        }
    }

    private static async Task InvokeOutsideAnySpan(IIncomingGrainCallContext context)
    {
        Activity.Current = null;
        await context.Invoke();
    }
}
