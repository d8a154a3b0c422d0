namespace ServiceDefaults.Paging;

/// <summary>One page of a list; pass <paramref name="NextCursor"/> as <c>cursor</c> for the next page (null: the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
