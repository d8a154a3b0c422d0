namespace DurableJobs.Storage;

/// <summary>A running job whose lease had expired, as the sweeper left it.</summary>
/// <param name="Stuck">It had also run past its timeout plus grace: the handler hung rather than the worker died.</param>
internal sealed record ReclaimedJob(Guid Id, string Queue, JobState NewState, string? PreviousOwner, int Attempt, bool Stuck);
