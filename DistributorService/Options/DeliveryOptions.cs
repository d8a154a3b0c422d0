using System.ComponentModel.DataAnnotations;

namespace DistributorService.Options;

/// <summary>Budgets of the delivery workers and their HTTP connections.</summary>
public sealed class DeliveryOptions
{
    /// <summary>Size of the worker pool of the <c>deliveries</c> queue per instance.</summary>
    [Range(1, 512)]
    public int Workers { get; set; } = 32;

    /// <summary>Connect timeout of destination connections (a part of the destination's own timeout).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Keep-alive expiry: pooled connections are replaced after this long so DNS changes are picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PooledConnectionLifetime { get; set; } = TimeSpan.FromMinutes(5);

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a delivery may wait for a concurrency or rate-limit permit of its destination before it is retried
    /// later.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PermitWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on one call of the shared (Redis) rate limiter; beyond it the instance counts alone for a while.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan RateLimitRedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the per-instance fallback is used after the shared rate limiter failed, before Redis is tried again.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan RateLimitRedisRetry { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Share of the backoff delay randomised (full jitter within ±ratio).</summary>
    [Range(0.0, 1.0)]
    public double JitterRatio { get; set; } = 0.2;

    /// <summary>Upper bound on a destination's <c>Retry-After</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Extra job time on top of the destination timeout (permits, token fetch, batch wait, bookkeeping).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan JobTimeoutMargin { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Deliveries of one destination that may wait in this instance for one of its connections, on top of the
    /// <c>maxConcurrency</c> sending: the destination's share of the workers. More are deferred (back in the queue, no
    /// attempt counted) instead of holding a worker another destination needs.
    /// </summary>
    [Range(0, 1000)]
    public int WaitingPerDestination { get; set; } = 2;

    /// <summary>Shortest delay of a delivery deferred because its destination's share was taken (±50 % jitter).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan BusyRetryMinDelay { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Longest such delay; in between it follows how long the destination's attempts take (the oldest in flight or the
    /// recent average), so a hanging destination's deferred jobs come back rarely and a busy fast one's soon.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan BusyRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Part of the job timeout kept from when a destination's longer backoff was waited inside the attempt. Since the
    /// destination slots, such a job is deferred until its backoff is over instead (no worker held), so this only adds margin.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxInlineBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long intake reuses its list of destinations (changes made through this instance apply at once, those made
    /// through another instance within this time). Zero reads the destinations for every event.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan DestinationCacheTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A distribution in <c>pending</c>/<c>processing</c> longer than this is reconciled against its job.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan StuckAfter { get; set; } = TimeSpan.FromMinutes(10);
}
