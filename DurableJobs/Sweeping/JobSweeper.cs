using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DurableJobs.Sweeping;

/// <summary>
/// One per service process. Every <see cref="DurableJobsOptions.SweepInterval"/>: reclaims running jobs whose lease
/// expired (dead worker, or a handler stuck past timeout + grace: logged as such) back to the queue, or to
/// cancelled / dead-lettered; re-dispatches due queued jobs whose dispatch is missing (retries, Redis lost
/// entries); refreshes queue statistics. Replicas do not fight: every statement takes its rows with
/// <c>FOR UPDATE SKIP LOCKED</c>, so a row is handled by exactly one sweeper per pass.
/// </summary>
internal sealed partial class JobSweeper(
    IServiceScopeFactory scopes,
    QueueRegistry registry,
    RedisLink redis,
    JobDispatcher dispatcher,
    QueueMonitor monitor,
    JobTelemetry telemetry,
    IOptions<DurableJobsOptions> options,
    TimeProvider time,
    ILogger<JobSweeper> logger) : BackgroundService
{
    private const int MaxBatchesPerSweep = 5;
    private static readonly TimeSpan ConsumerCleanupInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan ConsumerIdleLimit = TimeSpan.FromHours(1);
    private readonly DurableJobsOptions _options = options.Value;
    private int _seenEpoch;
    private long _nextConsumerCleanup;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        if (registry.Names.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.SweepInterval, time);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSweepFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Host stopping.
        }
    }

    internal async Task SweepAsync(CancellationToken cancellationToken)
    {
        var queues = registry.NamesArray;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<JobStore>();
            await ReclaimAsync(store, queues, cancellationToken).ConfigureAwait(false);
            await RedispatchAsync(store, queues, cancellationToken).ConfigureAwait(false);
        }

        await monitor.GetAsync(cancellationToken).ConfigureAwait(false);
        if (time.GetTimestamp() >= _nextConsumerCleanup)
        {
            _nextConsumerCleanup = time.GetTimestamp() + (long)(ConsumerCleanupInterval.TotalSeconds * time.TimestampFrequency);
            await RemoveDeadConsumersAsync(queues, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every process start adds a consumer name to the group; consumers that have nothing pending and have not read
    /// for an hour belong to processes that are gone, so they are removed (live workers read every poll interval).
    /// </summary>
    private async Task RemoveDeadConsumersAsync(string[] queues, CancellationToken cancellationToken)
    {
        if (!redis.IsUsable || _options.ServiceName is not { } group)
        {
            return;
        }

        try
        {
            var database = redis.Database;
            foreach (var queue in queues)
            {
                var stream = JobKeys.Stream(queue);
                if (!await redis.BoundAsync(database.KeyExistsAsync(stream), cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }

                var groups = await redis.BoundAsync(database.StreamGroupInfoAsync(stream), cancellationToken).ConfigureAwait(false);
                if (!groups.Any(g => g.Name == group))
                {
                    continue;
                }

                var consumers = await redis.BoundAsync(database.StreamConsumerInfoAsync(stream, group), cancellationToken)
                    .ConfigureAwait(false);
                foreach (var consumer in consumers.Where(c => c.PendingMessageCount == 0
                    && c.IdleTimeInMilliseconds > ConsumerIdleLimit.TotalMilliseconds))
                {
                    await redis.BoundAsync(database.StreamDeleteConsumerAsync(stream, group, consumer.Name), cancellationToken)
                        .ConfigureAwait(false);
                    LogConsumerRemoved(logger, consumer.Name, queue);
                }
            }
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is StackExchange.Redis.RedisException)
        {
            redis.ReportFailure(ex, "consumer cleanup");
        }
    }

    private async Task ReclaimAsync(JobStore store, string[] queues, CancellationToken cancellationToken)
    {
        for (var batch = 0; batch < MaxBatchesPerSweep; batch++)
        {
            var reclaimed = await store.ReclaimExpiredAsync(queues, _options.SweepBatchSize, _options.StuckGrace, cancellationToken)
                .ConfigureAwait(false);
            var requeued = new List<DispatchItem>();
            foreach (var job in reclaimed)
            {
                telemetry.Reclaimed(job.Queue, job.Stuck);
                if (job.Stuck)
                {
                    LogStuck(logger, job.Id, job.Queue, job.Attempt, job.PreviousOwner, job.NewState);
                }
                else
                {
                    LogLeaseExpired(logger, job.Id, job.Queue, job.Attempt, job.PreviousOwner, job.NewState);
                }

                if (job.NewState == JobState.Queued)
                {
                    requeued.Add(new DispatchItem(job.Id, job.Queue));
                }
                else if (job.NewState == JobState.DeadLettered)
                {
                    telemetry.DeadLettered(job.Queue);
                    await dispatcher.DeadLetterAsync(job.Queue, job.Id, job.Attempt, JobErrorCodes.LeaseExpired, cancellationToken)
                        .ConfigureAwait(false);
                }
            }

            await dispatcher.DispatchAsync(requeued, cancellationToken).ConfigureAwait(false);
            if (reclaimed.Count < _options.SweepBatchSize)
            {
                return;
            }
        }
    }

    private async Task RedispatchAsync(JobStore store, string[] queues, CancellationToken cancellationToken)
    {
        // Without Redis there is nothing to dispatch to: workers claim straight from PostgreSQL meanwhile.
        if (!redis.IsUsable)
        {
            return;
        }

        // After an outage every queued job is dispatched again at once, whatever its last dispatch time:
        // entries may have been lost with a Redis restart.
        var epoch = redis.Epoch;
        var after = epoch != _seenEpoch ? TimeSpan.Zero : _options.RedispatchAfter;
        for (var batch = 0; batch < MaxBatchesPerSweep; batch++)
        {
            var due = await store.TakeDueForDispatchAsync(queues, after, _options.SweepBatchSize, cancellationToken).ConfigureAwait(false);
            if (due.Count > 0)
            {
                LogRedispatched(logger, due.Count);
                await dispatcher.DispatchAsync(due, cancellationToken).ConfigureAwait(false);
            }

            if (due.Count < _options.SweepBatchSize)
            {
                break;
            }
        }

        _seenEpoch = epoch;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job sweep failed; retrying on the next interval")]
    private static partial void LogSweepFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Stuck job {JobId} of queue {Queue} (attempt {Attempt}, worker {Worker}) ran past its timeout plus grace without " +
            "heartbeat; reclaimed as {State}")]
    private static partial void LogStuck(ILogger logger, Guid jobId, string queue, int attempt, string? worker, JobState state);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Lease of job {JobId} of queue {Queue} (attempt {Attempt}, worker {Worker}) expired; reclaimed as {State}")]
    private static partial void LogLeaseExpired(ILogger logger, Guid jobId, string queue, int attempt, string? worker, JobState state);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Removed consumer {Consumer} of queue {Queue}: idle for an hour with nothing pending")]
    private static partial void LogConsumerRemoved(ILogger logger, string consumer, string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Re-dispatched {Count} queued jobs whose dispatch was missing or lost")]
    private static partial void LogRedispatched(ILogger logger, int count);
}
