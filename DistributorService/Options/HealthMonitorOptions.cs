using System.ComponentModel.DataAnnotations;

namespace DistributorService.Options;

/// <summary>Destination health checks, status thresholds, auto-disable and the stuck-distribution sweep.</summary>
public sealed class HealthMonitorOptions
{
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bound on one <c>healthUrl</c> probe.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Delivery outcomes considered for destinations without a <c>healthUrl</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan OutcomeWindow { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 10_000)]
    public int MinimumOutcomes { get; set; } = 5;

    [Range(0.0, 1.0)]
    public double DegradedFailureRatio { get; set; } = 0.2;

    [Range(0.0, 1.0)]
    public double UnhealthyFailureRatio { get; set; } = 0.5;

    /// <summary>Disable a destination that stayed unhealthy this long (and emit <c>destination.disabled</c>).</summary>
    public bool AutoDisable { get; set; } = true;

    [Range(typeof(TimeSpan), "00:00:00.100", "30.00:00:00")]
    public TimeSpan AutoDisableAfter { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long the cached metric gauges (distributions by status, DLQ size) may be.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan GaugeRefreshInterval { get; set; } = TimeSpan.FromSeconds(15);
}
