using System.ComponentModel.DataAnnotations;

namespace DurableJobs;

/// <summary>
/// Budgets of one queue, bound from <c>Jobs:Queues:&lt;queue&gt;</c> (configuration overrides the values given in code).
/// Cross-field rules (default ≤ max timeout, heartbeat ≤ lease / 2 …) are checked by <see cref="QueueOptionsValidator"/> at start-up.
/// </summary>
public sealed class QueueOptions
{
    /// <summary>Handlers running at once in one process (the bounded worker pool).</summary>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 3;

    /// <summary>Jobs claimed ahead of a free worker (local buffer). 0 = claim only for an idle worker.</summary>
    [Range(0, 1024)]
    public int BufferSize { get; set; }

    /// <summary>Timeout of a job that does not ask for one.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan DefaultTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Largest timeout a job may ask for.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "7.00:00:00")]
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts of a job that does not ask for a number (1 = no retry).</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Largest attempt count a job may ask for.</summary>
    [Range(1, 100)]
    public int MaxAttemptsLimit { get; set; } = 20;

    /// <summary>Delay before the second attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Each later retry waits this many times longer.</summary>
    [Range(1.0, 10.0)]
    public double RetryBackoffMultiplier { get; set; } = 2.0;

    /// <summary>Longest delay between two attempts.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Random spread of each delay, as a fraction (0.2 = ±20 %), so retries of a burst do not line up.</summary>
    [Range(0.0, 1.0)]
    public double RetryJitter { get; set; } = 0.2;

    /// <summary>Whether a timed-out attempt is retried (otherwise the job ends <c>timed_out</c>).</summary>
    public bool RetryOnTimeout { get; set; }

    /// <summary>Largest payload accepted, in UTF-8 bytes of its JSON.</summary>
    [Range(2, 16 * 1024 * 1024)]
    public int MaxPayloadBytes { get; set; } = 256 * 1024;

    /// <summary>How long a claim holds without a heartbeat; after that the sweeper gives the job to another worker.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a worker renews its leases, checks for cancel requests and refreshes its heartbeat key.</summary>
    [Range(typeof(TimeSpan), "00:00:00.020", "00:30:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Readiness reports the queue as degraded when a due job has waited longer than this.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "7.00:00:00")]
    public TimeSpan OldestQueuedDegradedAfter { get; set; } = TimeSpan.FromMinutes(5);
}
