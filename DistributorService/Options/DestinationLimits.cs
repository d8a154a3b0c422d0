using System.ComponentModel.DataAnnotations;

namespace DistributorService.Options;

/// <summary>
/// Defaults and ranges for destination settings given through the API. The API's own fields keep their units
/// (<c>timeoutSeconds</c>, <c>backoff.initialSeconds</c>, <c>batch.maxWaitMs</c>); these options are durations.
/// </summary>
public sealed class DestinationLimits
{
    /// <summary>A destination's timeout when its request gives none (whole seconds, rounded up).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest <c>timeoutSeconds</c> a request may give (whole seconds, rounded down).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromMinutes(5);
    [Range(1, 100)] public int DefaultMaxAttempts { get; set; } = 8;
    [Range(1, 100)] public int MaxMaxAttempts { get; set; } = 50;
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")] public TimeSpan DefaultBackoffInitial { get; set; } = TimeSpan.FromSeconds(5);
    [Range(1.0, 100.0)] public double DefaultBackoffMultiplier { get; set; } = 3;
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")] public TimeSpan DefaultBackoffMax { get; set; } = TimeSpan.FromHours(1);
    [Range(1, 1000)] public int DefaultMaxConcurrency { get; set; } = 8;
    [Range(1, 1000)] public int MaxConcurrency { get; set; } = 256;
    [Range(1, 10_000)] public int MaxBatchSize { get; set; } = 500;

    /// <summary>Longest <c>batch.maxWaitMs</c> a request may give (whole milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")] public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMinutes(1);
}
