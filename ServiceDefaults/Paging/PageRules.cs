using Microsoft.AspNetCore.Http.HttpResults;
using ServiceDefaults.Problems;

namespace ServiceDefaults.Paging;

/// <summary>The paging rules of every list: a limit outside 1..max and a cursor this kind of list did not hand out are 400.</summary>
public static class PageRules
{
    /// <summary>A problem for a bad limit or (time, id) cursor, else null; <paramref name="after"/> is null without a cursor.</summary>
    public static ProblemHttpResult? Check(int? limit, int max, string? cursor, out PageCursor? after)
    {
        after = null;
        if (Problem.InvalidLimit(limit, max) is { } badLimit)
        {
            return badLimit;
        }

        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        if (!PageCursor.TryDecode(cursor, out var decoded))
        {
            return Problem.InvalidCursor();
        }

        after = decoded;
        return null;
    }

    /// <summary>As <see cref="Check(int?, int, string?, out PageCursor?)"/> for a list ordered by a number.</summary>
    public static ProblemHttpResult? CheckNumber(int? limit, int max, string? cursor, out long? after)
    {
        after = null;
        if (Problem.InvalidLimit(limit, max) is { } badLimit)
        {
            return badLimit;
        }

        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        if (!PageCursor.TryDecodeNumber(cursor, out var decoded))
        {
            return Problem.InvalidCursor();
        }

        after = decoded;
        return null;
    }
}
