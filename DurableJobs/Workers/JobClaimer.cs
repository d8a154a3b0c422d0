using DurableJobs.Dispatch;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using static DurableJobs.Workers.QueueWorkerLog;

namespace DurableJobs.Workers;

/// <summary>
/// Claiming, for one queue's worker. Its loop is the queue's one stream consumer in this process
/// (<see cref="WorkerContext.WorkerId"/> in the service's consumer group): it reserves the free slots, reads only as
/// many entries (XAUTOCLAIM first, every <see cref="DurableJobsOptions.AutoClaimInterval"/>, for entries of consumers
/// that stopped answering; then XREADGROUP), claims their jobs atomically in PostgreSQL, hands the claimed jobs to the
/// executors and acknowledges the entries. While Redis is unusable it claims straight from PostgreSQL. Idle, it waits
/// for a wake-up (a dispatch's pub/sub message) or the poll interval.
/// </summary>
internal sealed class JobClaimer(
    WorkerContext worker,
    HeldJobs heldJobs,
    RedisLink redis,
    QueueWakeups wakeups,
    IServiceScopeFactory scopes)
{
    private bool _groupReady;
    private RedisValue _autoClaimCursor = "0-0";
    private long _nextAutoClaim;

    /// <summary>Registers the queue's wake-up signal, so dispatches wake the claim loop from the worker's start.</summary>
    public void ListenForWakeups() => wakeups.For(worker.Queue);

    /// <summary>Claims until <paramref name="cancellationToken"/> fires (the worker stops claiming).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var wake = wakeups.For(worker.Queue);
        while (!cancellationToken.IsCancellationRequested)
        {
            int permits;
            try
            {
                permits = await heldJobs.ReserveAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            var claimed = 0;
            var idle = false;
            var viaRedis = redis.IsUsable;
            try
            {
                (claimed, idle) = viaRedis
                    ? await ClaimFromStreamAsync(permits, cancellationToken).ConfigureAwait(false)
                    : await ClaimFromDatabaseAsync(permits, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                heldJobs.Unreserve(permits);
                return;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or group vanished (FLUSHALL, restart without persistence): recreate it; the sweeper re-dispatches.
                LogGroupMissing(worker.Logger, worker.Queue);
                _groupReady = false;
            }
            catch (Exception ex) when (viaRedis && RedisLink.IsOutage(ex))
            {
                redis.ReportFailure(ex, $"reading stream {JobKeys.Stream(worker.Queue)}");
            }
            catch (Exception ex)
            {
                LogClaimFailed(worker.Logger, worker.Queue, ex);
                idle = true;
            }

            if (permits > claimed)
            {
                heldJobs.Unreserve(permits - claimed);
            }

            if (idle)
            {
                try
                {
                    var pause = viaRedis ? worker.Options.IdlePollInterval : worker.Options.FallbackPollInterval;
                    await wake.WaitAsync(pause, worker.Time, cancellationToken).ConfigureAwait(false);
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
        var database = redis.Database;
        var key = JobKeys.Stream(worker.Queue);
        if (!_groupReady)
        {
            await EnsureGroupAsync(database, key, cancellationToken).ConfigureAwait(false);
        }

        var entries = await AutoClaimAsync(database, key, permits, cancellationToken).ConfigureAwait(false);
        if (entries.Length == 0)
        {
            entries = await redis.BoundAsync(
                database.StreamReadGroupAsync(key, worker.Group, worker.WorkerId, StreamPosition.NewMessages, permits),
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

        var options = worker.QueueOptions;
        var claimed = ids.Count == 0
            ? []
            : await ClaimInDatabaseAsync(store =>
                    store.ClaimAsync(worker.Queue, [.. ids], worker.WorkerId, options.LeaseDuration, cancellationToken))
                .ConfigureAwait(false);
        heldJobs.Hand(claimed);

        // The row is settled (claimed by us, or not claimable: running elsewhere, finished, not due): from here the
        // lease, not the pending entry, protects the job.
        try
        {
            var acknowledge = database.StreamAcknowledgeAsync(key, worker.Group, [.. entries.Select(e => e.Id)]);
            // why: not cancellable: BoundAsync bounds it, and the settled claim must be acknowledged even while stopping.
            await redis.BoundAsync(acknowledge, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            redis.ReportFailure(ex, "XACK");
        }

        return (claimed.Count, false);
    }

    /// <summary>
    /// Takes over entries pending longer than <see cref="DurableJobsOptions.ClaimIdleThreshold"/> (their consumer stopped
    /// answering), at most once per <see cref="DurableJobsOptions.AutoClaimInterval"/> after a full pass.
    /// </summary>
    private async Task<StreamEntry[]> AutoClaimAsync(IDatabase database, string key, int permits, CancellationToken cancellationToken)
    {
        var time = worker.Time;
        if (time.GetTimestamp() < _nextAutoClaim)
        {
            return [];
        }

        var options = worker.Options;
        var reclaimed = await redis.BoundAsync(database.StreamAutoClaimAsync(key, worker.Group, worker.WorkerId,
            (long)options.ClaimIdleThreshold.TotalMilliseconds, _autoClaimCursor, permits), cancellationToken).ConfigureAwait(false);
        _autoClaimCursor = reclaimed.NextStartId;
        if (_autoClaimCursor == "0-0")
        {
            _nextAutoClaim = time.GetTimestamp() + (long)(options.AutoClaimInterval.TotalSeconds * time.TimestampFrequency);
        }

        if (reclaimed.ClaimedEntries.Length > 0)
        {
            LogEntriesReclaimed(worker.Logger, reclaimed.ClaimedEntries.Length, worker.Queue);
        }

        return reclaimed.ClaimedEntries;
    }

    private async Task<(int Claimed, bool Idle)> ClaimFromDatabaseAsync(int permits, CancellationToken cancellationToken)
    {
        var claimed = await ClaimInDatabaseAsync(store =>
                store.ClaimNextAsync(worker.Queue, permits, worker.WorkerId, worker.QueueOptions.LeaseDuration, cancellationToken))
            .ConfigureAwait(false);
        heldJobs.Hand(claimed);
        return (claimed.Count, claimed.Count == 0);
    }

    private async Task<List<ClaimedJob>> ClaimInDatabaseAsync(Func<JobStore, Task<List<ClaimedJob>>> claim)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await claim(scope.ServiceProvider.GetRequiredService<JobStore>()).ConfigureAwait(false);
    }

    private async Task EnsureGroupAsync(IDatabase database, string key, CancellationToken cancellationToken)
    {
        try
        {
            // From the beginning: entries added before the first worker started are still delivered.
            await redis.BoundAsync(database.StreamCreateConsumerGroupAsync(key, worker.Group, StreamPosition.Beginning, createStream: true),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // The group exists already (another replica, or an earlier start): that is the state we want.
        }

        _groupReady = true;
    }
}
