using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableJobs.Workers;

/// <summary>
/// The bounded worker pool of one queue in one process: a hosted service that builds its parts, starts them and
/// stops them in order. They share a <see cref="WorkerContext"/> (queue, worker id, options, stop state) and
/// <see cref="HeldJobs"/> (the held jobs and the slots that bound them):
/// <list type="bullet">
/// <item><see cref="JobClaimer"/>: the claim loop, the queue's stream consumer (PostgreSQL when Redis is unusable);</item>
/// <item><see cref="AttemptRunner"/>: <see cref="QueueOptions.Concurrency"/> executors running the handlers;</item>
/// <item><see cref="OutcomeSettler"/>: writes each outcome (success, retry, dead letter, release), fenced;</item>
/// <item><see cref="LeaseKeeper"/>: the heartbeat (lease renewal, cancel flags, stuck handlers, presence);</item>
/// <item><see cref="ShutdownDrain"/>: the stop within the host's shutdown timeout.</item>
/// </list>
/// Stopping: claiming stops at once, running handlers get until the host's shutdown timeout minus a reserve
/// (<see cref="ShutdownDrain.DrainReserve"/>), then their tokens fire and their leases are released (the attempt is
/// not counted), all within the shutdown timeout.
/// </summary>
internal sealed class QueueWorker : IHostedService, IAsyncDisposable
{
    private readonly WorkerContext _worker;
    private readonly HeldJobs _heldJobs;
    private readonly SuccessBatcher _successes;
    private readonly JobClaimer _claimer;
    private readonly AttemptRunner _runner;
    private readonly LeaseKeeper _leases;
    private readonly ShutdownDrain _drain;
    private Task? _run;

    public QueueWorker(
        string queue,
        IOptionsMonitor<QueueOptions> queueOptions,
        IOptions<DurableJobsOptions> options,
        IOptions<HostOptions> hostOptions,
        IServiceScopeFactory scopes,
        RedisLink redis,
        JobDispatcher dispatcher,
        QueueWakeups wakeups,
        RunningJobs running,
        JobTelemetry telemetry,
        TimeProvider time,
        ILogger<QueueWorker> logger,
        IHostApplicationLifetime lifetime)
    {
        var ownOptions = queueOptions.Get(queue);
        _worker = new WorkerContext(queue, ownOptions, options.Value, time, logger, lifetime.ApplicationStopping);
        _heldJobs = new HeldJobs(ownOptions.Concurrency + ownOptions.BufferSize, running);
        _successes = new SuccessBatcher(scopes, _worker.WorkerId);
        var settler = new OutcomeSettler(_worker, _successes, dispatcher, telemetry, scopes);
        _claimer = new JobClaimer(_worker, _heldJobs, redis, wakeups, scopes);
        _runner = new AttemptRunner(_worker, _heldJobs, settler, telemetry, scopes);
        _leases = new LeaseKeeper(_worker, _heldJobs, redis, scopes);
        _drain = new ShutdownDrain(_worker, _heldJobs, settler, hostOptions.Value);
    }

    public string WorkerId => _worker.WorkerId;

    public string Queue => _worker.Queue;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _claimer.ListenForWakeups();
        _run = RunAsync();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _worker.StopClaimingAsync().ConfigureAwait(false);
        if (_run is null)
        {
            return;
        }

        await _drain.DrainAsync(_run, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Disposal without a stop behaves like a killed process: nothing more is written, leases simply lapse.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_run is { IsCompleted: false })
        {
            _worker.MarkCrashed();
            await _worker.StopClaimingAsync().ConfigureAwait(false);
            _drain.Abort();
        }
    }

    /// <summary>
    /// Runs the parts until claiming stops, then winds them down in order: the executors finish (or release) every job
    /// already claimed, the successes they left to the group commit are written, the heartbeat stops, and the worker's presence is removed.
    /// </summary>
    private async Task RunAsync()
    {
        await Task.Yield();
        var successes = _successes.RunAsync(_worker.Options.OutcomeWriteTimeout, _worker.Time);
        var executors = _runner.StartExecutors();
        using var stopHeartbeat = new CancellationTokenSource();
        var heartbeat = _leases.RunAsync(stopHeartbeat.Token);
        try
        {
            await _claimer.RunAsync(_worker.StopClaimingToken).ConfigureAwait(false);
        }
        finally
        {
            _heldJobs.Complete();
            await Task.WhenAll(executors).ConfigureAwait(false);
            await _runner.SettledAsync().ConfigureAwait(false);
            _successes.Complete();
            await successes.ConfigureAwait(false);
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            if (!_worker.Crashed)
            {
                await _leases.RemovePresenceAsync().ConfigureAwait(false);
            }
        }
    }
}
