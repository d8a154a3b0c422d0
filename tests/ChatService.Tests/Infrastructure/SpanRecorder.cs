using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// Records every span of the given activity sources once it stops (all data, so tags are set), from creation until
/// disposal. ChatService's own spans come from the source <c>ChatService</c>; the model calls' gen_ai spans from
/// <c>Experimental.Microsoft.Extensions.AI</c>.
/// </summary>
public sealed class SpanRecorder : IDisposable
{
    private readonly ConcurrentQueue<System.Diagnostics.Activity> _spans = new();
    private readonly ActivityListener _listener;

    public SpanRecorder(params string[] sources)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => sources.Contains(source.Name),
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _spans.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>The spans stopped so far, in the order they stopped.</summary>
    public IReadOnlyCollection<System.Diagnostics.Activity> Spans => _spans;

    public void Dispose() => _listener.Dispose();
}
