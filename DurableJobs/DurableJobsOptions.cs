using System.ComponentModel.DataAnnotations;

namespace DurableJobs;

/// <summary>
/// Service-wide settings of the job mechanism, bound from the <c>Jobs</c> configuration section.
/// Per-queue budgets live in <see cref="QueueOptions"/> (<c>Jobs:Queues:&lt;queue&gt;</c>).
/// </summary>
public sealed class DurableJobsOptions
{
    /// <summary>Consumer-group name on every stream and the key of the worker directory. Defaults to the host's application name.</summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,100}$")]
    public string? ServiceName { get; set; }

    /// <summary>How often the sweeper reclaims expired leases, re-dispatches lost dispatches and refreshes queue statistics.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A queued, due job whose last dispatch is older than this is dispatched again (its stream entry may have been
    /// lost).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan RedispatchAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Rows handled per sweeper statement (reclaim, re-dispatch); a sweep runs at most a few such batches.</summary>
    [Range(1, 10_000)]
    public int SweepBatchSize { get; set; } = 500;

    /// <summary>Grace after a job's timeout before a running job without heartbeat counts as stuck (its worker stops renewing
    /// it).</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan StuckGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on every Redis call made by the mechanism, on top of the multiplexer's own timeouts.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>After a Redis failure, workers claim from PostgreSQL and try Redis again after this interval.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an idle worker waits before reading its stream again (a dispatch wakes it earlier through pub/sub).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan IdlePollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a worker in PostgreSQL fallback mode waits after finding nothing to claim.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan FallbackPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Stream entries pending this long with a consumer that is gone are taken over (XAUTOCLAIM).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan ClaimIdleThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a worker looks for entries of dead consumers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "01:00:00")]
    public TimeSpan AutoClaimInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Approximate cap (MAXLEN ~) of each dispatch stream; trimmed entries are re-dispatched by the sweeper if still
    /// queued.</summary>
    [Range(1_000, 100_000_000)]
    public int StreamMaxLength { get; set; } = 100_000;

    /// <summary>Approximate cap of each <c>jobs:&lt;queue&gt;:dlq</c> stream (the rows stay in PostgreSQL regardless).</summary>
    [Range(100, 10_000_000)]
    public int DeadLetterStreamMaxLength { get; set; } = 10_000;

    /// <summary>Bound on writing an attempt's outcome (also used to release leases on shutdown).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan OutcomeWriteTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Queue statistics (health check, admin, gauges) are cached this long so probe storms never reach the database.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan StatsCacheDuration { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Bound on computing queue statistics (health check and admin).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan StatsTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Counts above this are reported as this value (depth and dead letters), so statistics stay cheap on big tables.</summary>
    [Range(1_000, 100_000_000)]
    public int StatsCountCap { get; set; } = 100_000;
}
