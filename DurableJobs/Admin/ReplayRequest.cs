namespace DurableJobs.Admin;

/// <summary>Dead letters to put back: these ids, and/or every dead letter that finished at or after <paramref name="Since"/>.</summary>
public sealed record ReplayRequest(IReadOnlyList<Guid>? Ids, DateTimeOffset? Since);
