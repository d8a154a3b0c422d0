using System.Text.Json;
using DurableJobs.Dispatch;
using DurableJobs.Workers;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace DurableJobs.Admin;

/// <summary>Reads the workers of this service from their heartbeat keys (bounded: at most a page of the index, one MGET).</summary>
internal sealed class WorkerDirectory(RedisLink redis, IOptions<DurableJobsOptions> options, TimeProvider time)
{
    /// <summary>Index entries older than this are pruned by the heartbeats of live workers.</summary>
    public static readonly TimeSpan IndexRetention = TimeSpan.FromHours(1);

    /// <summary>A heartbeat key outlives a few missed beats, so a dead worker stays visible (as stale) for a while.</summary>
    public static TimeSpan KeyLifetime(TimeSpan heartbeatInterval) =>
        TimeSpan.FromTicks(Math.Max(heartbeatInterval.Ticks * 10, TimeSpan.FromMinutes(1).Ticks));

    /// <summary>Three missed heartbeats make a worker stale (its leases lapse and the sweeper reclaims its jobs).</summary>
    public static bool IsStale(DateTimeOffset lastHeartbeat, TimeSpan heartbeatInterval, DateTimeOffset now) =>
        now - lastHeartbeat > heartbeatInterval * 3;

    /// <summary>Workers, most recent heartbeat first; null when Redis cannot be read.</summary>
    public async Task<IReadOnlyList<WorkerSummary>?> ListAsync(int max, CancellationToken cancellationToken)
    {
        if (!redis.IsUsable)
        {
            return null;
        }

        var service = options.Value.ServiceName ?? "";
        try
        {
            var database = redis.Database;
            var index = await redis.BoundAsync(
                database.SortedSetRangeByRankWithScoresAsync(JobKeys.WorkerIndex(service), 0, max - 1, Order.Descending), cancellationToken)
                .ConfigureAwait(false);
            if (index.Length == 0)
            {
                return [];
            }

            var keys = index.Select(e => (RedisKey)JobKeys.Worker(e.Element.ToString())).ToArray();
            var values = await redis.BoundAsync(database.StringGetAsync(keys), cancellationToken).ConfigureAwait(false);
            var now = time.GetUtcNow();
            var workers = new List<WorkerSummary>(index.Length);
            for (var i = 0; i < index.Length; i++)
            {
                var heartbeat = values[i].IsNullOrEmpty ? null
                    : JsonSerializer.Deserialize<WorkerHeartbeat>(values[i].ToString(), JsonSerializerOptions.Web);
                workers.Add(heartbeat is null
                    ? new WorkerSummary(index[i].Element.ToString(), null, 0, [],
                        DateTimeOffset.FromUnixTimeMilliseconds((long)index[i].Score), true)
                    : new WorkerSummary(heartbeat.Id, heartbeat.Queue, heartbeat.Concurrency, heartbeat.Jobs, heartbeat.LastHeartbeat,
                        IsStale(heartbeat.LastHeartbeat, heartbeat.HeartbeatInterval, now)));
            }

            return workers;
        }
        catch (Exception ex) when (RedisLink.IsOutage(ex) || ex is RedisException)
        {
            redis.ReportFailure(ex, "listing workers");
            return null;
        }
    }
}
