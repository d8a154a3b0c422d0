using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ServiceDefaults.Problems;

/// <summary>
/// Builds RFC 9457 problem results with a stable <c>code</c>. The trace id is added for every problem
/// by the problem-details customisation in <c>AddServiceDefaults</c>.
/// </summary>
public static class Problem
{
    public static ProblemHttpResult Of(int status, string code, string title, string? detail = null,
        IDictionary<string, object?>? extensions = null)
    {
        var ext = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>()) { ["code"] = code };
        return TypedResults.Problem(detail: detail, statusCode: status, title: title, extensions: ext);
    }

    public static ProblemHttpResult NotFound(string what) =>
        Of(StatusCodes.Status404NotFound, ErrorCodes.NotFound, $"{what} not found");

    public static ProblemHttpResult Validation(string detail) =>
        Of(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "Validation failed", detail);

    public static ProblemHttpResult Unavailable(string code, string detail, TimeSpan? retryAfter = null) =>
        Of(StatusCodes.Status503ServiceUnavailable, code, "Dependency unavailable", detail,
            retryAfter is { } r ? new Dictionary<string, object?> { ["retryAfterSeconds"] = (int)Math.Ceiling(r.TotalSeconds) } : null);

    /// <summary>
    /// The shared paging rule: a <c>limit</c> outside 1..<paramref name="max"/> is refused (400), never silently clamped.
    /// Null when the limit is absent or valid.
    /// </summary>
    public static ProblemHttpResult? InvalidLimit(int? limit, int max) =>
        limit is null || (limit >= 1 && limit <= max) ? null : Validation($"limit must be between 1 and {max}.");

    /// <summary>A cursor that is not one this list handed out (400).</summary>
    public static ProblemHttpResult InvalidCursor() => Of(StatusCodes.Status400BadRequest, ErrorCodes.InvalidCursor, "Validation failed",
        "The cursor is not valid; pass the nextCursor of a previous page.");
}
