namespace DurableJobs.Storage;

/// <summary>A job to put on its queue's stream.</summary>
internal readonly record struct DispatchItem(Guid Id, string Queue);
