using System.Diagnostics;
using System.Reflection;
using Grains.Platform.Telemetry;
using Orleans.Serialization.Invocation;

namespace Tests.Telemetry;

/// <summary>
/// The grain-call tracing filters on their own: the trace context is handed on only for a recorded span, and a call
/// whose caller records nothing costs no allocation on either side (the point of one span per call; see
/// <see cref="TraceTests"/> for the trace shape through a real cluster).
/// </summary>
public sealed class GrainCallFilterTests
{
    private static readonly ActivitySource Caller = new("Tests.GrainCallFilter.Caller");

    [Fact]
    public async Task A_recorded_span_is_handed_to_the_callee_as_its_traceparent()
    {
        using var listener = Listen(Caller.Name);
        using var span = Caller.StartActivity("caller")!;
        var call = new FakeCall();

        await new TraceContextOutgoingFilter().Invoke(call);

        Assert.Equal(span.Id, call.TraceParentSeen);
    }

    [Fact]
    public void Without_a_recorded_span_the_call_is_passed_on_untouched_and_allocates_nothing()
    {
        var filter = new TraceContextOutgoingFilter();
        var call = new FakeCall();
        filter.Invoke(call);

        var none = AllocatedBy(() => filter.Invoke(call));
        Assert.Null(call.TraceParentSeen);

        // A span the sampler dropped (propagation only) is not handed on either.
        using var unsampled = new Activity("unsampled").SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom()).Start();
        Assert.False(unsampled.Recorded);
        var dropped = AllocatedBy(() => filter.Invoke(call));

        Assert.Equal((0, 0), (none, dropped));
        Assert.Null(call.TraceParentSeen);
    }

    [Fact]
    public void A_call_whose_caller_did_not_sample_records_no_span_and_allocates_nothing()
    {
        using var listener = Listen(GrainCallTracing.SourceName);
        var filter = new GrainCallSpanFilter();
        var call = new FakeCall();
        try
        {
            RequestContext.Set(GrainCallTracing.TraceParentKey, $"00-{ActivityTraceId.CreateRandom()}-{ActivitySpanId.CreateRandom()}-00");
            filter.Invoke(call);

            var unsampled = AllocatedBy(() => filter.Invoke(call));
            Assert.Null(call.SpanSeen);

            RequestContext.Clear();
            var noContext = AllocatedBy(() => filter.Invoke(call));
            Assert.Null(call.SpanSeen);

            Assert.Equal((0, 0), (unsampled, noContext));
        }
        finally
        {
            RequestContext.Clear();
        }
    }

    private static long AllocatedBy(Func<Task> invoke)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var task = invoke();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(task.IsCompletedSuccessfully);
        return allocated;
    }

    private static ActivityListener Listen(string source)
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }

    /// <summary>A grain call that completes at once, noting the trace context it ran with.</summary>
    private sealed class FakeCall : IOutgoingGrainCallContext, IIncomingGrainCallContext
    {
        public string? TraceParentSeen { get; private set; }
        public Activity? SpanSeen { get; private set; }

        public Task Invoke()
        {
            TraceParentSeen = RequestContext.Get(GrainCallTracing.TraceParentKey) as string;
            SpanSeen = Activity.Current;
            return Task.CompletedTask;
        }

        public string InterfaceName => "Tests.Telemetry.IFakeGrain";
        public string MethodName => "Call";
        public IInvokable Request => throw new NotSupportedException("not read on these paths");
        public object Grain => throw new NotSupportedException();
        public GrainId? SourceId => null;
        public GrainId TargetId => default;
        public GrainInterfaceType InterfaceType => default;
        public MethodInfo InterfaceMethod => throw new NotSupportedException();
        public object? Result { get; set; }
        public Response? Response { get; set; }
        public IGrainContext? SourceContext => null;
        public IGrainContext TargetContext => throw new NotSupportedException();
        public MethodInfo ImplementationMethod => throw new NotSupportedException();
    }
}
