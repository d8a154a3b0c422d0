using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Paging;

namespace ChatService.Apis.Paging;

/// <summary>The chat lists' page sizes; the cursor and the 400s are the shared ones (<see cref="PageRules"/>).</summary>
internal static class ChatPaging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    /// <summary>A problem for a bad limit or (created-at, id) cursor, or null when both are valid.</summary>
    public static ProblemHttpResult? Check(int? limit, string? cursor, out PageCursor? after) =>
        PageRules.Check(limit, MaxLimit, cursor, out after);
}
