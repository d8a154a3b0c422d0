namespace DistributorService.Apis;

/// <summary>One page of a list; pass <see cref="NextCursor"/> as <c>cursor</c> for the next one (null at the end).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
