using System.Text.Json;
using DurableJobs.Admin;
using DurableJobs.Dispatch;
using DurableJobs.Storage;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace DurableJobs.Workers;

/// <summary>
/// Keeping leases, for one queue's worker: every <see cref="QueueOptions.HeartbeatInterval"/> it renews the leases of
/// the held jobs in one statement, fires the token of a job whose lease was lost or whose cancel flag is set, stops
/// renewing a job whose handler ignored its timeout past <see cref="DurableJobsOptions.StuckGrace"/> (the sweeper then
/// reclaims it as stuck), and publishes the worker's presence (<c>jobs:worker:&lt;id&gt;</c> and the service's worker
/// index) for the admin API. At a stop the presence is removed.
/// </summary>
internal sealed class LeaseKeeper(WorkerContext worker, HeldJobs heldJobs, RedisLink redis, IServiceScopeFactory scopes)
{
    /// <summary>Beats at once and then every heartbeat interval until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(worker.QueueOptions.HeartbeatInterval, worker.Time);
        try
        {
            do
            {
                if (worker.Crashed)
                {
                    return;
                }

                try
                {
                    await BeatAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    QueueWorkerLog.LogHeartbeatFailed(worker.Logger, worker.Queue, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped: the executors are done, nothing is held any more.
        }
    }

    /// <summary>Removes the worker's presence key and its entry in the worker index (bounded; at stop).</summary>
    public async Task RemovePresenceAsync()
    {
        if (!redis.IsUsable)
        {
            return;
        }

        try
        {
            var database = redis.Database;
            var removal = Task.WhenAll(
                database.KeyDeleteAsync(JobKeys.Worker(worker.WorkerId)),
                database.SortedSetRemoveAsync(JobKeys.WorkerIndex(worker.Group), worker.WorkerId));
            // why: not cancellable: BoundAsync bounds it (Redis budgets), and presence must be removed even while stopping
            await redis.BoundAsync(removal, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            redis.ReportFailure(ex, "worker removal");
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var renew = new List<(Guid Id, int Attempt)>();
        foreach (var held in heldJobs.All)
        {
            if (held.IsOverdue(worker.Time, worker.Options.StuckGrace))
            {
                if (!held.Abandoned)
                {
                    held.Abandoned = true;
                    QueueWorkerLog.LogAbandoned(worker.Logger, held.Id, worker.Queue, held.Job.Timeout);
                }

                continue;
            }

            renew.Add((held.Id, held.Attempt));
        }

        if (renew.Count > 0)
        {
            await RenewAsync(renew, cancellationToken).ConfigureAwait(false);
        }

        await PublishPresenceAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RenewAsync(List<(Guid Id, int Attempt)> renew, CancellationToken cancellationToken)
    {
        var lease = worker.QueueOptions.LeaseDuration;
        using var bound = new CancellationTokenSource(lease / 2, worker.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, bound.Token);
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<JobStore>();
        var renewed = (await store.RenewLeasesAsync(renew, worker.WorkerId, lease, linked.Token).ConfigureAwait(false))
            .ToDictionary(r => r.Id, r => r.CancelRequested);
        foreach (var (id, attempt) in renew)
        {
            if (!heldJobs.TryGet(id, out var held) || held.Attempt != attempt)
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

                QueueWorkerLog.LogLeaseLost(worker.Logger, id, worker.Queue, attempt);
                held.Stop(HeldJob.StopReason.LeaseLost);
            }
            else if (cancelRequested)
            {
                held.Stop(HeldJob.StopReason.Cancelled);
            }
        }
    }

    private async Task PublishPresenceAsync(CancellationToken cancellationToken)
    {
        if (!redis.IsUsable)
        {
            return;
        }

        var options = worker.QueueOptions;
        var now = worker.Time.GetUtcNow();
        var heartbeat = new WorkerHeartbeat(worker.WorkerId, worker.Group, worker.Queue, options.Concurrency, [.. heldJobs.Ids.Take(100)],
            now, options.HeartbeatInterval);
        var ttl = WorkerDirectory.KeyLifetime(options.HeartbeatInterval);
        try
        {
            var database = redis.Database;
            var index = JobKeys.WorkerIndex(worker.Group);
            var oldest = (now - WorkerDirectory.IndexRetention).ToUnixTimeMilliseconds();
            await redis.BoundAsync(Task.WhenAll(
                database.StringSetAsync(JobKeys.Worker(worker.WorkerId), JsonSerializer.Serialize(heartbeat, JsonSerializerOptions.Web),
                    ttl),
                database.SortedSetAddAsync(index, worker.WorkerId, now.ToUnixTimeMilliseconds()),
                database.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, oldest)),
                cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            redis.ReportFailure(ex, "worker heartbeat");
        }
    }
}
