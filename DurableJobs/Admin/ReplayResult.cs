namespace DurableJobs.Admin;

/// <summary>The jobs that went back to the queue (attempts reset). At most 1,000 per call: repeat while <paramref name="Replayed"/> is
/// 1,000.</summary>
public sealed record ReplayResult(int Replayed, IReadOnlyList<Guid> Ids);
