using Microsoft.AspNetCore.Http;

namespace ServiceDefaults.Requests;

/// <summary>
/// The time a request has left: the endpoint's budget (request-timeout policy), lowered by the caller's
/// <c>X-Request-Timeout-Ms</c> header. Downstream calls clamp their own timeouts to <see cref="Remaining"/>;
/// outgoing HttpClient calls forward it in the same header.
/// </summary>
public sealed class RequestBudget(DateTimeOffset deadline, TimeProvider time)
{
    public const string HeaderName = "X-Request-Timeout-Ms";

    public DateTimeOffset Deadline { get; } = deadline;

    public TimeSpan Remaining
    {
        get
        {
            var left = Deadline - time.GetUtcNow();
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>The smaller of <paramref name="bound"/> and what is left of the request.</summary>
    public TimeSpan Clamp(TimeSpan bound) => bound < Remaining ? bound : Remaining;
}
