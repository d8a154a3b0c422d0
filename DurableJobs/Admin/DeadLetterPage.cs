namespace DurableJobs.Admin;

/// <summary>A page of dead letters, newest first; pass <paramref name="NextCursor"/> as <c>cursor</c> for the next page.</summary>
public sealed record DeadLetterPage(IReadOnlyList<JobSnapshot> Items, string? NextCursor);
