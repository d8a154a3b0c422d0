namespace ChatService.Apis.Paging;

/// <summary>One page of a list; pass <see cref="NextCursor"/> as <c>cursor</c> for the next one (null on the last page).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
