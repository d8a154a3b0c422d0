using DurableJobs.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DurableJobs.Dispatch;

/// <summary>
/// Puts committed jobs on their queue's stream (pipelined XADD, then a wake-up publish). Best effort by design:
/// the row in PostgreSQL is the job; when Redis is down or a call fails the failure is logged and the sweeper
/// (or a worker claiming from PostgreSQL) picks the job up. Never throws for a Redis problem.
/// </summary>
internal sealed partial class JobDispatcher(
    RedisLink redis,
    QueueWakeups wakeups,
    IOptions<DurableJobsOptions> options,
    ILogger<JobDispatcher> logger)
{
    private readonly DurableJobsOptions _options = options.Value;

    public async Task DispatchAsync(IReadOnlyCollection<DispatchItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0)
        {
            return;
        }

        var queues = items.Select(i => i.Queue).Distinct(StringComparer.Ordinal).ToArray();
        if (redis.IsUsable)
        {
            try
            {
                var database = redis.Database;
                var calls = new List<Task>(items.Count + queues.Length);
                foreach (var item in items)
                {
                    calls.Add(database.StreamAddAsync(JobKeys.Stream(item.Queue), JobKeys.IdField, item.Id.ToString(),
                        maxLength: _options.StreamMaxLength, useApproximateMaxLength: true));
                }

                foreach (var queue in queues)
                {
                    calls.Add(database.PublishAsync(RedisChannel.Literal(JobKeys.WakeChannel(queue)), "1"));
                }

                await redis.BoundAsync(Task.WhenAll(calls), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
            {
                redis.ReportFailure(ex, "XADD");
                LogDispatchFailed(logger, items.Count, ex);
            }
        }
        else if (redis.IsConfigured)
        {
            LogDispatchDeferred(logger, items.Count);
        }

        // Local workers are woken either way: without Redis they claim straight from PostgreSQL.
        foreach (var queue in queues)
        {
            wakeups.Signal(queue);
        }
    }

    /// <summary>For synchronous callers (a sync SaveChanges or Commit): dispatches without awaiting and logs any failure.</summary>
    public void DispatchInBackground(IReadOnlyCollection<DispatchItem> items)
    {
        if (items.Count > 0)
        {
            _ = RunAsync();
        }

        async Task RunAsync()
        {
            try
            {
                // why: rows are committed; dispatch is bounded by RedisLink and best effort (the sweeper covers loss)
                await DispatchAsync(items, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogDispatchFailed(logger, items.Count, ex);
            }
        }
    }

    /// <summary>Adds a dead-lettered job to <c>jobs:&lt;queue&gt;:dlq</c> (the row's state is the record; the stream is for
    /// consumers).</summary>
    public async Task DeadLetterAsync(string queue, Guid id, int attempt, string? errorCode, CancellationToken cancellationToken)
    {
        if (!redis.IsUsable)
        {
            return;
        }

        try
        {
            NameValueEntry[] fields =
            [
                new(JobKeys.IdField, id.ToString()),
                new("attempt", attempt),
                new("error_code", errorCode ?? ""),
            ];
            await redis.BoundAsync(redis.Database.StreamAddAsync(JobKeys.DeadLetterStream(queue), fields,
                maxLength: _options.DeadLetterStreamMaxLength, useApproximateMaxLength: true), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            redis.ReportFailure(ex, "XADD dlq");
            LogDeadLetterStreamFailed(logger, id, queue, ex);
        }
    }

    /// <summary>Tells every process that a running job should stop; the holder also sees the flag on its next heartbeat.</summary>
    public async Task PublishCancelAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!redis.IsUsable)
        {
            return;
        }

        try
        {
            await redis.BoundAsync(redis.Database.PublishAsync(RedisChannel.Literal(JobKeys.CancelChannel), id.ToString()),
                cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            redis.ReportFailure(ex, "PUBLISH cancel");
            LogCancelPublishFailed(logger, id, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Dispatch of {Count} jobs over Redis failed; the sweeper or PostgreSQL claiming will pick them up")]
    private static partial void LogDispatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Redis unavailable; dispatch of {Count} jobs left to the sweeper and PostgreSQL claiming")]
    private static partial void LogDispatchDeferred(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not add dead-lettered job {JobId} of queue {Queue} to its DLQ stream (the row is dead-lettered regardless)")]
    private static partial void LogDeadLetterStreamFailed(ILogger logger, Guid jobId, string queue, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Could not publish the cancel request of job {JobId}; its worker sees it on the next heartbeat")]
    private static partial void LogCancelPublishFailed(ILogger logger, Guid jobId, Exception exception);
}
