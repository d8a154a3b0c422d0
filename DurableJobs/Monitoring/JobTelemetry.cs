using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DurableJobs.Monitoring;

/// <summary>
/// Meter and ActivitySource "DurableJobs". Counters are per queue (tag <c>jobs.queue</c>); queue-level gauges
/// (depth, oldest queued age, dead letters) are registered by <see cref="QueueMonitor"/> from its cached statistics.
/// </summary>
internal sealed class JobTelemetry : IDisposable
{
    public const string Name = "DurableJobs";
    public const string QueueTag = "jobs.queue";

    private readonly Counter<long> _enqueued;
    private readonly Counter<long> _started;
    private readonly Counter<long> _succeeded;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _timedOut;
    private readonly Counter<long> _cancelled;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _released;
    private readonly Counter<long> _reclaimed;
    private readonly Counter<long> _deferred;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _wait;

    public JobTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        ActivitySource = new ActivitySource(Name);
        _enqueued = Meter.CreateCounter<long>("jobs.enqueued", "{job}", "Jobs accepted (rows committed).");
        _started = Meter.CreateCounter<long>("jobs.started", "{attempt}", "Attempts started.");
        _succeeded = Meter.CreateCounter<long>("jobs.succeeded", "{job}", "Jobs that ended succeeded.");
        _failed = Meter.CreateCounter<long>("jobs.failed", "{job}", "Jobs that ended failed (permanent error).");
        _timedOut = Meter.CreateCounter<long>("jobs.timed_out", "{attempt}", "Attempts that ran past their timeout.");
        _cancelled = Meter.CreateCounter<long>("jobs.cancelled", "{job}", "Running jobs that ended cancelled.");
        _retried = Meter.CreateCounter<long>("jobs.retried", "{attempt}", "Attempts that failed and were scheduled again.");
        _deadLettered = Meter.CreateCounter<long>("jobs.dead_lettered", "{job}", "Jobs moved to the dead-letter state.");
        _released = Meter.CreateCounter<long>("jobs.released", "{job}", "Leases given back on shutdown.");
        _deferred = Meter.CreateCounter<long>("jobs.deferred", "{attempt}", "Attempts a handler deferred (queued again, not counted).");
        _reclaimed = Meter.CreateCounter<long>("jobs.reclaimed", "{job}", "Expired leases taken back by the sweeper.");
        _inFlight = Meter.CreateUpDownCounter<long>("jobs.in_flight", "{job}", "Attempts running in this process.");
        _duration = Meter.CreateHistogram<double>("jobs.duration", "s", "Duration of an attempt, by outcome.");
        _wait = Meter.CreateHistogram<double>("jobs.wait", "s", "Time from a job being due to its attempt starting.");
    }

    public Meter Meter { get; }

    public ActivitySource ActivitySource { get; }

    public void Enqueued(string queue, int count = 1) => _enqueued.Add(count, Tag(queue));

    public void Started(string queue, TimeSpan waited)
    {
        _started.Add(1, Tag(queue));
        _inFlight.Add(1, Tag(queue));
        _wait.Record(Math.Max(0, waited.TotalSeconds), Tag(queue));
    }

    public void Ended(string queue, string outcome, TimeSpan duration)
    {
        _inFlight.Add(-1, Tag(queue));
        _duration.Record(duration.TotalSeconds, Tag(queue), new KeyValuePair<string, object?>("jobs.outcome", outcome));
        var counter = outcome switch
        {
            JobOutcomeNames.Succeeded => _succeeded,
            JobOutcomeNames.Failed => _failed,
            JobOutcomeNames.TimedOut => _timedOut,
            JobOutcomeNames.Cancelled => _cancelled,
            JobOutcomeNames.Retried => _retried,
            JobOutcomeNames.DeadLettered => _deadLettered,
            JobOutcomeNames.Released => _released,
            JobOutcomeNames.Deferred => _deferred,
            _ => null,
        };
        counter?.Add(1, Tag(queue));
    }

    public void TimedOutAndRetried(string queue) => _timedOut.Add(1, Tag(queue));

    public void DeadLettered(string queue) => _deadLettered.Add(1, Tag(queue));

    public void Released(string queue, int count) => _released.Add(count, Tag(queue));

    public void Reclaimed(string queue, bool stuck) =>
        _reclaimed.Add(1, Tag(queue), new KeyValuePair<string, object?>("jobs.reason", stuck ? "stuck" : "lease_expired"));

    public Activity? StartEnqueue(string queue) =>
        ActivitySource.StartActivity($"enqueue {queue}", ActivityKind.Producer, default(ActivityContext),
            [new("messaging.system", "durable_jobs"), new("messaging.operation.type", "send"), new("messaging.destination.name", queue)]);

    /// <summary>The execution span: a child of the enqueuing span when its traceparent was stored, else a new trace.</summary>
    public Activity? StartExecution(string queue, Guid jobId, int attempt, string? traceParent)
    {
        var parent = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
        return ActivitySource.StartActivity($"process {queue}", ActivityKind.Consumer, parent,
        [
            new("messaging.system", "durable_jobs"),
            new("messaging.operation.type", "process"),
            new("messaging.destination.name", queue),
            new("messaging.message.id", jobId.ToString()),
            new("jobs.attempt", attempt),
        ]);
    }

    private static KeyValuePair<string, object?> Tag(string queue) => new(QueueTag, queue);

    // The meter belongs to the IMeterFactory, which disposes it.
    public void Dispose() => ActivitySource.Dispose();
}
