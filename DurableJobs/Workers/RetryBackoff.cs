namespace DurableJobs.Workers;

/// <summary>Exponential backoff with jitter between attempts.</summary>
internal static class RetryBackoff
{
    /// <summary>Delay before the attempt after <paramref name="failedAttempt"/> (1-based).</summary>
    public static TimeSpan Delay(QueueOptions options, int failedAttempt, double random)
    {
        var exponent = Math.Max(0, failedAttempt - 1);
        var seconds = options.RetryInitialDelay.TotalSeconds * Math.Pow(options.RetryBackoffMultiplier, exponent);
        seconds = Math.Min(seconds, options.RetryMaxDelay.TotalSeconds);
        var spread = 1 + (options.RetryJitter * ((random * 2) - 1));
        return TimeSpan.FromSeconds(Math.Max(0, seconds * spread));
    }
}
