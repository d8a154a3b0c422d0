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

    /// <summary>How long a delivery may wait for a concurrency or rate-limit permit of its destination before it is retried later.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PermitWait { get; set; } = TimeSpan.FromSeconds(30);

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
    /// Longest wait inside an attempt for the rest of a destination's backoff or Retry-After beyond the queue's own retry
    /// delay (the job mechanism's delay is per queue). Part of the job timeout.
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
