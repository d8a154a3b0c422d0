using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using DurableJobs.Admin;
using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DurableJobs.Workers;

/// <summary>
/// The bounded worker pool of one queue in one process. One claim loop is the stream consumer
/// (<c>{machine}-{pid}-{guid}</c> in the service's consumer group): it takes only as many entries as there are free
/// slots (<see cref="QueueOptions.Concurrency"/> + <see cref="QueueOptions.BufferSize"/>), claims them atomically in
/// PostgreSQL, acknowledges the entries and hands the claimed jobs to <see cref="QueueOptions.Concurrency"/> executors
/// through a bounded channel: back-pressure instead of unbounded memory. Without Redis the claim loop claims straight
/// from PostgreSQL. A heartbeat loop renews the leases of held jobs, picks up cancel requests and publishes the
/// worker's presence. Stopping: claiming stops at once, running handlers get until the host's shutdown timeout
/// minus a reserve (<see cref="DrainReserve"/>), then their tokens fire and their leases are released (the attempt is
/// not counted), all within the shutdown timeout.
/// </summary>
internal sealed partial class QueueWorker : IHostedService, IAsyncDisposable
{
    private readonly string _queue;
    private readonly QueueOptions _queueOptions;
    private readonly DurableJobsOptions _options;
    private readonly HostOptions _hostOptions;
    private readonly IServiceScopeFactory _scopes;
    private readonly RedisLink _redis;
    private readonly JobDispatcher _dispatcher;
    private readonly QueueWakeups _wakeups;
    private readonly RunningJobs _running;
    private readonly JobTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly ILogger<QueueWorker> _logger;
    private readonly string _group;
    private readonly int _slots;
    private readonly ConcurrentDictionary<Guid, HeldJob> _held = new();
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly SemaphoreSlim _capacity;
    private readonly Channel<HeldJob> _buffer;
    private readonly SuccessBatcher _successes;
    private Task? _run;
    private bool _groupReady;
    private RedisValue _autoClaimCursor = "0-0";
    private long _nextAutoClaim;
    private volatile bool _aborted;
    private volatile bool _crashed;

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
        ILogger<QueueWorker> logger)
    {
        _queue = queue;
        _queueOptions = queueOptions.Get(queue);
        _options = options.Value;
        _hostOptions = hostOptions.Value;
        _scopes = scopes;
        _redis = redis;
        _dispatcher = dispatcher;
        _wakeups = wakeups;
        _running = running;
        _telemetry = telemetry;
        _time = time;
        _logger = logger;
        _group = _options.ServiceName ?? queue;
        _slots = _queueOptions.Concurrency + _queueOptions.BufferSize;
        _capacity = new SemaphoreSlim(_slots, _slots);
        _buffer = Channel.CreateBounded<HeldJob>(new BoundedChannelOptions(_slots) { SingleWriter = true });
        WorkerId = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
        _successes = new SuccessBatcher(scopes, WorkerId);
    }

    public string WorkerId { get; }

    public string Queue => _queue;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _wakeups.For(_queue);
        _run = RunAsync();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopClaiming.CancelAsync().ConfigureAwait(false);
        if (_run is null)
        {
            return;
        }

        // The whole drain fits inside the host's shutdown timeout: running handlers may finish normally until the
        // shutdown timeout minus a reserve, then their tokens fire and the reserve is for writing their outcomes
        // (releasing their leases), so the process exits within the shutdown timeout and no job stays leased to it.
        var reserve = DrainReserve(_hostOptions.ShutdownTimeout, _options.OutcomeWriteTimeout);
        using var handlersDeadline = new CancellationTokenSource(_hostOptions.ShutdownTimeout - reserve, _time);
        using var stopHandlers = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, handlersDeadline.Token);
        try
        {
            await _run.WaitAsync(stopHandlers.Token).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException) when (stopHandlers.IsCancellationRequested)
        {
            // Called here, not from a registration on the token: WaitAsync's own registration can complete this await
            // inline from the cancel callback, and leaving a using block would then unregister Abort before it ran.
            LogShutdownTimeout(_logger, _queue, _held.Count);
            Abort();
        }

        try
        {
            await _run.WaitAsync(reserve / 2, _time, CancellationToken.None).ConfigureAwait(false); // why: bounded by half the drain reserve
        }
        catch (TimeoutException)
        {
            // Handlers that ignore their token cannot be stopped, but their jobs must not stay leased to a dead process.
            using var releaseBound = new CancellationTokenSource(reserve / 2, _time);
            LogHandlersIgnoredShutdown(_logger, _queue, _held.Count);
            await ReleaseAsync([.. _held.Values], releaseBound.Token).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The part of the shutdown timeout kept for writing outcomes after the handlers' tokens fire: the outcome-write
    /// timeout, but never more than half the shutdown timeout (handlers keep at least the other half).
    /// </summary>
    internal static TimeSpan DrainReserve(TimeSpan shutdownTimeout, TimeSpan outcomeWriteTimeout) =>
        outcomeWriteTimeout < shutdownTimeout / 2 ? outcomeWriteTimeout : shutdownTimeout / 2;

    /// <summary>Disposal without a stop behaves like a killed process: nothing more is written, leases simply lapse.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_run is { IsCompleted: false })
        {
            _crashed = true;
            await _stopClaiming.CancelAsync().ConfigureAwait(false);
            Abort();
        }
    }

    private void Abort()
    {
        LogAborting(_logger, _queue, _held.Count);
        _aborted = true;
        foreach (var held in _held.Values)
        {
            held.Stop(HeldJob.StopReason.Shutdown);
        }
    }

    private async Task RunAsync()
    {
        await Task.Yield();
        var successes = _successes.RunAsync(_options.OutcomeWriteTimeout, _time);
        var executors = Enumerable.Range(0, _queueOptions.Concurrency).Select(_ => ExecuteLoopAsync()).ToArray();
        using var stopHeartbeat = new CancellationTokenSource();
        var heartbeat = HeartbeatLoopAsync(stopHeartbeat.Token);
        try
        {
            await ClaimLoopAsync(_stopClaiming.Token).ConfigureAwait(false);
        }
        finally
        {
            _buffer.Writer.TryComplete();
            await Task.WhenAll(executors).ConfigureAwait(false);
            _successes.Complete();
            await successes.ConfigureAwait(false);
            await stopHeartbeat.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
            if (!_crashed)
            {
                await RemovePresenceAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task ClaimLoopAsync(CancellationToken cancellationToken)
    {
        var wake = _wakeups.For(_queue);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _capacity.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var permits = 1;
            while (permits < _slots && _capacity.Wait(0))
            {
                permits++;
            }

            var claimed = 0;
            var idle = false;
            var viaRedis = _redis.IsUsable;
            try
            {
                (claimed, idle) = viaRedis
                    ? await ClaimFromStreamAsync(permits, cancellationToken).ConfigureAwait(false)
                    : await ClaimFromDatabaseAsync(permits, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                _capacity.Release(permits);
                return;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or group vanished (FLUSHALL, restart without persistence): recreate it; the sweeper re-dispatches.
                LogGroupMissing(_logger, _queue);
                _groupReady = false;
            }
            catch (Exception ex) when (viaRedis && RedisLink.IsOutage(ex))
            {
                _redis.ReportFailure(ex, $"reading stream {JobKeys.Stream(_queue)}");
            }
            catch (Exception ex)
            {
                LogClaimFailed(_logger, _queue, ex);
                idle = true;
            }

            if (permits > claimed)
            {
                _capacity.Release(permits - claimed);
            }

            if (idle)
            {
                try
                {
                    var pause = viaRedis ? _options.IdlePollInterval : _options.FallbackPollInterval;
                    await wake.WaitAsync(pause, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    private async Task<(int Claimed, bool Idle)> ClaimFromStreamAsync(int permits, CancellationToken cancellationToken)
    {
        var database = _redis.Database;
        var key = JobKeys.Stream(_queue);
        if (!_groupReady)
        {
            await EnsureGroupAsync(database, key, cancellationToken).ConfigureAwait(false);
        }

        StreamEntry[] entries = [];
        if (_time.GetTimestamp() >= _nextAutoClaim)
        {
            var reclaimed = await _redis.BoundAsync(database.StreamAutoClaimAsync(key, _group, WorkerId,
                (long)_options.ClaimIdleThreshold.TotalMilliseconds, _autoClaimCursor, permits), cancellationToken).ConfigureAwait(false);
            entries = reclaimed.ClaimedEntries;
            _autoClaimCursor = reclaimed.NextStartId;
            if (_autoClaimCursor == "0-0")
            {
                _nextAutoClaim = _time.GetTimestamp() + (long)(_options.AutoClaimInterval.TotalSeconds * _time.TimestampFrequency);
            }

            if (entries.Length > 0)
            {
                LogEntriesReclaimed(_logger, entries.Length, _queue);
            }
        }

        if (entries.Length == 0)
        {
            entries = await _redis.BoundAsync(database.StreamReadGroupAsync(key, _group, WorkerId, StreamPosition.NewMessages, permits),
                cancellationToken).ConfigureAwait(false);
        }

        if (entries.Length == 0)
        {
            return (0, true);
        }

        var ids = new List<Guid>(entries.Length);
        foreach (var entry in entries)
        {
            if (Guid.TryParse((string?)entry[JobKeys.IdField], out var id))
            {
                ids.Add(id);
            }
        }

        var claimed = ids.Count == 0
            ? []
            : await ClaimInDatabaseAsync(store => store.ClaimAsync(_queue, [.. ids], WorkerId, _queueOptions.LeaseDuration, cancellationToken))
                .ConfigureAwait(false);
        Hand(claimed);

        // The row is settled (claimed by us, or not claimable: running elsewhere, finished, not due): from here the
        // lease, not the pending entry, protects the job.
        try
        {
            await _redis.BoundAsync(database.StreamAcknowledgeAsync(key, _group, [.. entries.Select(e => e.Id)]), CancellationToken.None) // why: BoundAsync bounds it; the claim is settled and must be acknowledged even while stopping
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            _redis.ReportFailure(ex, "XACK");
        }

        return (claimed.Count, false);
    }

    private async Task<(int Claimed, bool Idle)> ClaimFromDatabaseAsync(int permits, CancellationToken cancellationToken)
    {
        var claimed = await ClaimInDatabaseAsync(store => store.ClaimNextAsync(_queue, permits, WorkerId, _queueOptions.LeaseDuration, cancellationToken))
            .ConfigureAwait(false);
        Hand(claimed);
        return (claimed.Count, claimed.Count == 0);
    }

    private async Task<List<ClaimedJob>> ClaimInDatabaseAsync(Func<JobStore, Task<List<ClaimedJob>>> claim)
    {
        await using var scope = _scopes.CreateAsyncScope();
        return await claim(scope.ServiceProvider.GetRequiredService<JobStore>()).ConfigureAwait(false);
    }

    private async Task EnsureGroupAsync(IDatabase database, string key, CancellationToken cancellationToken)
    {
        try
        {
            // From the beginning: entries added before the first worker started are still delivered.
            await _redis.BoundAsync(database.StreamCreateConsumerGroupAsync(key, _group, StreamPosition.Beginning, createStream: true),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists already (another replica, or an earlier start): that is the state we want.
        }

        _groupReady = true;
    }

    private void Hand(List<ClaimedJob> claimed)
    {
        foreach (var job in claimed)
        {
            var held = new HeldJob(job);
            _held[job.Id] = held;
            _running.Add(held);
            if (_aborted)
            {
                held.Stop(HeldJob.StopReason.Shutdown);
            }

            if (!_buffer.Writer.TryWrite(held))
            {
                throw new InvalidOperationException("The job buffer refused a claimed job although a slot was reserved for it.");
            }
        }
    }

    private async Task ExecuteLoopAsync()
    {
        await Task.Yield();
        await foreach (var held in _buffer.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false)) // why: ends when the bounded buffer is completed at stop; held jobs are run or released, never dropped
        {
            try
            {
                if (_crashed)
                {
                    continue;
                }

                if (_stopClaiming.IsCancellationRequested)
                {
                    await ReleaseAsync([held], CancellationToken.None).ConfigureAwait(false); // why: ReleaseAsync bounds itself with OutcomeWriteTimeout
                }
                else
                {
                    await RunAsync(held).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                // Never let one job take an executor down; the lease lapses and the sweeper reclaims the job.
                LogExecutorFailed(_logger, held.Id, _queue, ex);
            }
            finally
            {
                _held.TryRemove(new KeyValuePair<Guid, HeldJob>(held.Id, held));
                _running.Remove(held);
                _capacity.Release();
            }
        }
    }

    private async Task RunAsync(HeldJob held)
    {
        var job = held.Job;
        var started = _time.GetTimestamp();
        held.MarkStarted(started);
        _telemetry.Started(_queue, job.StartedAt - job.DueAt);
        using var timeout = new CancellationTokenSource(job.Timeout, _time);
        using var onTimeout = timeout.Token.Register(static s => ((HeldJob)s!).Stop(HeldJob.StopReason.TimedOut), held);
        using var activity = _telemetry.StartExecution(_queue, job.Id, job.Attempt, job.TraceParent);

        var result = await InvokeHandlerAsync(held).ConfigureAwait(false);
        LogHandlerReturned(_logger, job.Id, _queue, result.Outcome, held.Reason, _time.GetElapsedTime(started).TotalMilliseconds);
        held.Settling = true;
        var outcome = await SettleAsync(held, result).ConfigureAwait(false);
        activity?.SetTag("jobs.outcome", outcome);
        if (result.Exception is { } error)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, error.Message);
        }

        _telemetry.Ended(_queue, outcome, _time.GetElapsedTime(started));
    }

    private async Task<AttemptResult> InvokeHandlerAsync(HeldJob held)
    {
        var job = held.Job;
        object? value;
        try
        {
            await using var scope = _scopes.CreateAsyncScope();
            var handler = scope.ServiceProvider.GetRequiredKeyedService<IJobHandler>(_queue);
            var context = new JobContext(job.Id, _queue, JobStore.ParseJson(job.Payload), job.Attempt, job.MaxAttempts, job.Owner,
                job.IdempotencyKey ?? job.Id.ToString());
            value = await handler.HandleAsync(context, held.Token).ConfigureAwait(false);
        }
        catch (PermanentJobException ex)
        {
            return new AttemptResult(AttemptResult.Kind.PermanentFailure, ErrorCode: ex.Code, ErrorMessage: ex.Message, Exception: ex);
        }
        catch (OperationCanceledException) when (held.Reason == HeldJob.StopReason.None && _stopClaiming.IsCancellationRequested)
        {
            // The handler stopped itself because the host is stopping (e.g. on ApplicationStopping) before the drain
            // deadline fired its token: a shutdown, so the job is released and the attempt not counted.
            return new AttemptResult(AttemptResult.Kind.Shutdown);
        }
        catch (Exception ex) when (held.Reason != HeldJob.StopReason.None)
        {
            // Whatever the handler threw once its token fired, the stop is the cause.
            return held.Reason switch
            {
                HeldJob.StopReason.Cancelled => new AttemptResult(AttemptResult.Kind.Cancelled, ErrorCode: JobErrorCodes.Cancelled,
                    ErrorMessage: "Cancelled while running."),
                HeldJob.StopReason.TimedOut => new AttemptResult(AttemptResult.Kind.TimedOut, ErrorCode: JobErrorCodes.Timeout,
                    ErrorMessage: $"Attempt {job.Attempt} ran past its timeout of {job.Timeout}."),
                HeldJob.StopReason.LeaseLost => new AttemptResult(AttemptResult.Kind.LeaseLost, Exception: ex),
                _ => new AttemptResult(AttemptResult.Kind.Shutdown),
            };
        }
        catch (Exception ex)
        {
            return new AttemptResult(AttemptResult.Kind.Error, ErrorCode: JobErrorCodes.HandlerError,
                ErrorMessage: $"{ex.GetType().Name}: {ex.Message}", Exception: ex);
        }

        try
        {
            var json = value switch
            {
                null => null,
                JsonElement element => element.GetRawText(),
                _ => JsonSerializer.Serialize(value, value.GetType(), JsonSerializerOptions.Web),
            };
            return new AttemptResult(AttemptResult.Kind.Succeeded, ResultJson: json);
        }
        catch (Exception ex) when (ex is NotSupportedException or JsonException or InvalidOperationException)
        {
            return new AttemptResult(AttemptResult.Kind.PermanentFailure, ErrorCode: JobErrorCodes.InvalidResult,
                ErrorMessage: $"The result of type {value?.GetType().Name} cannot be stored as JSON: {ex.Message}", Exception: ex);
        }
    }

    /// <summary>Writes the attempt's outcome (fenced by lease owner and attempt) and returns the outcome tag.</summary>
    private async Task<string> SettleAsync(HeldJob held, AttemptResult result)
    {
        var job = held.Job;
        if (_crashed)
        {
            return JobOutcomeNames.LeaseLost;
        }

        using var bound = new CancellationTokenSource(_options.OutcomeWriteTimeout, _time);
        var token = bound.Token;
        switch (result.Outcome)
        {
            case AttemptResult.Kind.Succeeded:
                await SucceedAsync(held, result, token).ConfigureAwait(false);
                return JobOutcomeNames.Succeeded;
            case AttemptResult.Kind.PermanentFailure:
                LogPermanentFailure(_logger, job.Id, _queue, job.Attempt, result.ErrorCode, result.Exception);
                await FinishAsync(held, JobState.Failed, result, token).ConfigureAwait(false);
                return JobOutcomeNames.Failed;
            case AttemptResult.Kind.Cancelled:
                LogCancelled(_logger, job.Id, _queue);
                await FinishAsync(held, JobState.Cancelled, result, token).ConfigureAwait(false);
                return JobOutcomeNames.Cancelled;
            case AttemptResult.Kind.TimedOut when !_queueOptions.RetryOnTimeout:
                LogTimedOut(_logger, job.Id, _queue, job.Attempt, job.Timeout);
                await FinishAsync(held, JobState.TimedOut, result, token).ConfigureAwait(false);
                return JobOutcomeNames.TimedOut;
            case AttemptResult.Kind.TimedOut:
                LogTimedOut(_logger, job.Id, _queue, job.Attempt, job.Timeout);
                _telemetry.TimedOutAndRetried(_queue);
                return await RetryOrDeadLetterAsync(held, result, token).ConfigureAwait(false);
            case AttemptResult.Kind.Error:
                return await RetryOrDeadLetterAsync(held, result, token).ConfigureAwait(false);
            case AttemptResult.Kind.Shutdown:
                await ReleaseAsync([held], token).ConfigureAwait(false);
                return JobOutcomeNames.Released;
            default:
                LogLeaseLost(_logger, job.Id, _queue, job.Attempt);
                return JobOutcomeNames.LeaseLost;
        }
    }

    private async Task<string> RetryOrDeadLetterAsync(HeldJob held, AttemptResult result, CancellationToken cancellationToken)
    {
        var job = held.Job;
        if (job.Attempt < job.MaxAttempts)
        {
            var delay = RetryBackoff.Delay(_queueOptions, job.Attempt, Random.Shared.NextDouble());
            LogRetrying(_logger, job.Id, _queue, job.Attempt, job.MaxAttempts, delay, result.Exception);
            var state = await WithRetriesAsync(store =>
                store.RetryAsync(job.Id, job.Attempt, WorkerId, delay, result.ErrorCode ?? JobErrorCodes.HandlerError, result.ErrorMessage,
                    cancellationToken), cancellationToken).ConfigureAwait(false);
            if (state is null)
            {
                LogLeaseLost(_logger, job.Id, _queue, job.Attempt);
            }

            return state == JobState.Cancelled ? JobOutcomeNames.Cancelled : JobOutcomeNames.Retried;
        }

        LogDeadLettered(_logger, job.Id, _queue, job.Attempt, result.ErrorCode, result.Exception);
        if (await FinishAsync(held, JobState.DeadLettered, result, cancellationToken).ConfigureAwait(false))
        {
            await _dispatcher.DeadLetterAsync(_queue, job.Id, job.Attempt, result.ErrorCode, cancellationToken).ConfigureAwait(false);
        }

        return JobOutcomeNames.DeadLettered;
    }

    private async Task SucceedAsync(HeldJob held, AttemptResult result, CancellationToken cancellationToken)
    {
        bool written;
        try
        {
            written = await _successes.WriteAsync(held.Id, held.Attempt, result.ResultJson, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogWriteRetry(_logger, _queue, 1, ex);
            await FinishAsync(held, JobState.Succeeded, result, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (!written)
        {
            LogLeaseLost(_logger, held.Id, _queue, held.Attempt);
        }
    }

    private async Task<bool> FinishAsync(HeldJob held, JobState state, AttemptResult result, CancellationToken cancellationToken)
    {
        var job = held.Job;
        var written = await WithRetriesAsync(store =>
            store.FinishAsync(job.Id, job.Attempt, WorkerId, state, result.ResultJson, result.ErrorCode, result.ErrorMessage, cancellationToken),
            cancellationToken).ConfigureAwait(false);
        if (!written)
        {
            LogLeaseLost(_logger, job.Id, _queue, job.Attempt);
        }

        return written;
    }

    /// <summary>Gives leases back on shutdown: the jobs are queued again at once, the attempt not counted.</summary>
    private async Task ReleaseAsync(IReadOnlyCollection<HeldJob> jobs, CancellationToken cancellationToken)
    {
        if (jobs.Count == 0 || _crashed)
        {
            return;
        }

        using var bound = new CancellationTokenSource(_options.OutcomeWriteTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        try
        {
            var released = await WithRetriesAsync(store =>
                store.ReleaseAsync([.. jobs.Select(j => (j.Id, j.Attempt))], WorkerId, linked.Token), linked.Token).ConfigureAwait(false);
            LogReleased(_logger, released.Count, _queue);
            _telemetry.Released(_queue, released.Count);
            await _dispatcher.DispatchAsync([.. released.Select(id => new DispatchItem(id, _queue))], linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || linked.IsCancellationRequested)
        {
            // The leases will lapse instead and the sweeper reclaims the jobs; later, but nothing is lost.
            LogReleaseFailed(_logger, jobs.Count, _queue, ex);
        }
    }

    /// <summary>Outcome writes retry briefly on a transient database error: losing one means running the job again.</summary>
    private async Task<T> WithRetriesAsync<T>(Func<JobStore, Task<T>> write, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = _scopes.CreateAsyncScope();
                return await write(scope.ServiceProvider.GetRequiredService<JobStore>()).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < 3 && IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogWriteRetry(_logger, _queue, attempt, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool IsTransient(Exception exception) =>
        exception is Npgsql.NpgsqlException { IsTransient: true } or TimeoutException
        || exception.InnerException is Npgsql.NpgsqlException { IsTransient: true };

    private async Task HeartbeatLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_queueOptions.HeartbeatInterval, _time);
        try
        {
            do
            {
                if (_crashed)
                {
                    return;
                }

                try
                {
                    await BeatAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogHeartbeatFailed(_logger, _queue, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the executors are done, nothing is held any more.
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var renew = new List<(Guid Id, int Attempt)>();
        foreach (var held in _held.Values)
        {
            if (held.IsOverdue(_time, _options.StuckGrace))
            {
                if (!held.Abandoned)
                {
                    held.Abandoned = true;
                    LogAbandoned(_logger, held.Id, _queue, held.Job.Timeout);
                }

                continue;
            }

            renew.Add((held.Id, held.Attempt));
        }

        if (renew.Count > 0)
        {
            using var bound = new CancellationTokenSource(_queueOptions.LeaseDuration / 2, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
            await using var scope = _scopes.CreateAsyncScope();
            var store = scope.ServiceProvider.GetRequiredService<JobStore>();
            var renewed = (await store.RenewLeasesAsync(renew, WorkerId, _queueOptions.LeaseDuration, linked.Token).ConfigureAwait(false))
                .ToDictionary(r => r.Id, r => r.CancelRequested);
            foreach (var (id, attempt) in renew)
            {
                if (!_held.TryGetValue(id, out var held) || held.Attempt != attempt)
                {
                    continue;
                }

                if (!renewed.TryGetValue(id, out var cancelRequested))
                {
                    if (held.Settling)
                    {
                        // Its outcome was written between reading the held jobs and the renewal: done, not lost.
                        continue;
                    }

                    LogLeaseLost(_logger, id, _queue, attempt);
                    held.Stop(HeldJob.StopReason.LeaseLost);
                }
                else if (cancelRequested)
                {
                    held.Stop(HeldJob.StopReason.Cancelled);
                }
            }
        }

        await PublishPresenceAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task PublishPresenceAsync(CancellationToken cancellationToken)
    {
        if (!_redis.IsUsable)
        {
            return;
        }

        var now = _time.GetUtcNow();
        var heartbeat = new WorkerHeartbeat(WorkerId, _group, _queue, _queueOptions.Concurrency, [.. _held.Keys.Take(100)], now,
            _queueOptions.HeartbeatInterval);
        var ttl = WorkerDirectory.KeyLifetime(_queueOptions.HeartbeatInterval);
        try
        {
            var database = _redis.Database;
            var index = JobKeys.WorkerIndex(_group);
            await _redis.BoundAsync(Task.WhenAll(
                database.StringSetAsync(JobKeys.Worker(WorkerId), JsonSerializer.Serialize(heartbeat, JsonSerializerOptions.Web), ttl),
                database.SortedSetAddAsync(index, WorkerId, now.ToUnixTimeMilliseconds()),
                database.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, (now - WorkerDirectory.IndexRetention).ToUnixTimeMilliseconds())),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            _redis.ReportFailure(ex, "worker heartbeat");
        }
    }

    private async Task RemovePresenceAsync()
    {
        if (!_redis.IsUsable)
        {
            return;
        }

        try
        {
            var database = _redis.Database;
            await _redis.BoundAsync(Task.WhenAll(
                database.KeyDeleteAsync(JobKeys.Worker(WorkerId)),
                database.SortedSetRemoveAsync(JobKeys.WorkerIndex(_group), WorkerId)), CancellationToken.None).ConfigureAwait(false); // why: bounded by BoundAsync; runs at stop
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            _redis.ReportFailure(ex, "worker removal");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stream group of queue {Queue} is missing (Redis flushed or restarted); recreating it")]
    private static partial void LogGroupMissing(ILogger logger, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Claiming jobs of queue {Queue} failed; retrying after a pause")]
    private static partial void LogClaimFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took over {Count} stream entries of queue {Queue} from consumers that stopped answering")]
    private static partial void LogEntriesReclaimed(ILogger logger, int count, string queue);

    [LoggerMessage(Level = LogLevel.Error, Message = "Executing job {JobId} of queue {Queue} failed outside its handler; its lease will lapse")]
    private static partial void LogExecutorFailed(ILogger logger, Guid jobId, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of queue {Queue} failed permanently on attempt {Attempt} with {ErrorCode}")]
    private static partial void LogPermanentFailure(ILogger logger, Guid jobId, string queue, int attempt, string? errorCode, Exception? exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId} of queue {Queue} was cancelled while running")]
    private static partial void LogCancelled(ILogger logger, Guid jobId, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of queue {Queue} timed out on attempt {Attempt} after {Timeout}")]
    private static partial void LogTimedOut(ILogger logger, Guid jobId, string queue, int attempt, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} of queue {Queue} failed on attempt {Attempt} of {MaxAttempts}; retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, Guid jobId, string queue, int attempt, int maxAttempts, TimeSpan delay, Exception? exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} of queue {Queue} dead-lettered after attempt {Attempt} with {ErrorCode}")]
    private static partial void LogDeadLettered(ILogger logger, Guid jobId, string queue, int attempt, string? errorCode, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lease of job {JobId} of queue {Queue} (attempt {Attempt}) was lost; this worker's outcome is discarded")]
    private static partial void LogLeaseLost(ILogger logger, Guid jobId, string queue, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Released {Count} jobs of queue {Queue} back to the queue on shutdown")]
    private static partial void LogReleased(ILogger logger, int count, string queue);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Releasing {Count} jobs of queue {Queue} failed; their leases will lapse and the sweeper reclaims them")]
    private static partial void LogReleaseFailed(ILogger logger, int count, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Shutdown timeout reached with {Count} jobs of queue {Queue} still held; cancelling and releasing them")]
    private static partial void LogShutdownTimeout(ILogger logger, string queue, int count);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Handler of job {JobId} of queue {Queue} returned {Outcome} (stop reason {Reason}) after {ElapsedMs} ms")]
    private static partial void LogHandlerReturned(ILogger logger, Guid jobId, string queue, AttemptResult.Kind outcome, HeldJob.StopReason reason, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cancelling the {Count} held jobs of queue {Queue}")]
    private static partial void LogAborting(ILogger logger, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handlers of queue {Queue} did not end after their tokens fired; releasing the {Count} jobs they hold")]
    private static partial void LogHandlersIgnoredShutdown(ILogger logger, string queue, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Writing a job outcome of queue {Queue} failed (try {Attempt}); retrying")]
    private static partial void LogWriteRetry(ILogger logger, string queue, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Heartbeat of queue {Queue} failed; leases are renewed on the next beat")]
    private static partial void LogHeartbeatFailed(ILogger logger, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId} of queue {Queue} is stuck: its handler ignored its {Timeout} timeout; no longer renewing its lease so it is reclaimed")]
    private static partial void LogAbandoned(ILogger logger, Guid jobId, string queue, TimeSpan timeout);
}
