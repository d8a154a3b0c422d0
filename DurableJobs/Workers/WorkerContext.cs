using Microsoft.Extensions.Logging;

namespace DurableJobs.Workers;

/// <summary>
/// What the parts of one queue's worker share: who it is (queue, worker id, consumer group), its options, the clock,
/// its logger and its stop state. Stopping claiming is the first step of every stop; a worker disposed without a stop
/// is <see cref="Crashed"/>: like a killed process it writes nothing more and its leases simply lapse.
/// </summary>
internal sealed class WorkerContext
{
    // Never disposed: the claim loop, the executors and a late DisposeAsync may all still read its token.
    private readonly CancellationTokenSource _stopClaiming = new();
    private volatile bool _crashed;

    private readonly CancellationToken _hostStopping;

    public WorkerContext(string queue, QueueOptions queueOptions, DurableJobsOptions options, TimeProvider time, ILogger logger,
        CancellationToken hostStopping = default)
    {
        _hostStopping = hostStopping;
        Queue = queue;
        QueueOptions = queueOptions;
        Options = options;
        Time = time;
        Logger = logger;
        Group = options.ServiceName ?? queue;
        WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    }

    public string Queue { get; }

    /// <summary>The stream consumer and lease owner: <c>{machine}-{pid}-{guid}</c>.</summary>
    public string WorkerId { get; }

    /// <summary>The consumer group on the queue's stream and the key of the worker directory: the service name.</summary>
    public string Group { get; }

    public QueueOptions QueueOptions { get; }

    public DurableJobsOptions Options { get; }

    public TimeProvider Time { get; }

    /// <summary>The worker's <c>ILogger&lt;QueueWorker&gt;</c> (see <see cref="QueueWorkerLog"/>).</summary>
    public ILogger Logger { get; }

    /// <summary>Fires when the worker stops claiming: at the start of a stop, or at disposal.</summary>
    public CancellationToken StopClaimingToken => _stopClaiming.Token;

    public bool StoppedClaiming => _stopClaiming.IsCancellationRequested;

    /// <summary>
    /// The host is stopping (<c>ApplicationStopping</c>), which it signals before it stops the workers: a handler that
    /// gives way to it in between is a shutdown too, not a failed attempt.
    /// </summary>
    public bool HostStopping => _hostStopping.IsCancellationRequested || StoppedClaiming;

    /// <summary>Set when the worker was disposed without a stop: nothing more is written, leases lapse.</summary>
    public bool Crashed => _crashed;

    public Task StopClaimingAsync() => _stopClaiming.CancelAsync();

    public void MarkCrashed() => _crashed = true;
}
