using ChatService.Rag;
using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Problems;

namespace ChatService.Apis.Paging;

internal static class PagingProblems
{
    /// <summary>A problem for a bad limit or cursor, or null when both are valid.</summary>
    public static ProblemHttpResult? Check(int? limit, string? cursor, out PageCursor? decoded)
    {
        if (!PageCursor.ValidLimit(limit))
        {
            decoded = null;
            return Problem.Validation($"limit must be between 1 and {PageCursor.MaxLimit}.");
        }

        if (!PageCursor.TryDecode(cursor, out decoded))
        {
            return Problem.Of(400, ChatErrorCodes.InvalidCursor, "Validation failed", "The cursor is not valid.");
        }

        return null;
    }
}
