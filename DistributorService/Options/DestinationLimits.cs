using System.ComponentModel.DataAnnotations;

namespace DistributorService.Options;

/// <summary>Defaults and ranges for destination settings given through the API.</summary>
public sealed class DestinationLimits
{
    [Range(1, 3600)] public int DefaultTimeoutSeconds { get; set; } = 30;
    [Range(1, 3600)] public int MaxTimeoutSeconds { get; set; } = 300;
    [Range(1, 100)] public int DefaultMaxAttempts { get; set; } = 8;
    [Range(1, 100)] public int MaxMaxAttempts { get; set; } = 50;
    [Range(0.0, 86_400.0)] public double DefaultBackoffInitialSeconds { get; set; } = 5;
    [Range(1.0, 100.0)] public double DefaultBackoffMultiplier { get; set; } = 3;
    [Range(0.0, 86_400.0)] public double DefaultBackoffMaxSeconds { get; set; } = 3600;
    [Range(1, 1000)] public int DefaultMaxConcurrency { get; set; } = 8;
    [Range(1, 1000)] public int MaxConcurrency { get; set; } = 256;
    [Range(1, 10_000)] public int MaxBatchSize { get; set; } = 500;
    [Range(1, 600_000)] public int MaxBatchWaitMs { get; set; } = 60_000;
}
