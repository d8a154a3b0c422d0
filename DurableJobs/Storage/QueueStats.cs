namespace DurableJobs.Storage;

/// <summary>Counts of one queue read from the job table (depth and dead letters are capped).</summary>
/// <param name="OldestDueAge">How long the longest-waiting due job has waited; null when none is due.</param>
internal sealed record QueueStats(string Queue, long Depth, long Running, long DeadLetters, TimeSpan? OldestDueAge);
