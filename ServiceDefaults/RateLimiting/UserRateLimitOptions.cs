using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.RateLimiting;

/// <summary>
/// One per-user rate-limit policy (section <c>RateLimits:&lt;policy&gt;</c>): a fixed window of <see cref="PermitLimit"/>
/// requests per <see cref="Window"/> for each authenticated <c>sub</c>. Defaults come from the service that names the policy.
/// </summary>
public sealed class UserRateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary>Requests one user may make in one window.</summary>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 60;

    /// <summary>The window; the counter starts again at its end (Retry-After says when).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Requests that wait for the next window instead of being refused; 0 refuses at once (waiting holds a connection).</summary>
    [Range(0, 1000)]
    public int QueueLimit { get; set; }

    /// <summary>When true, callers with the <c>admin</c> role are not limited (they are by default).</summary>
    public bool ExemptAdmins { get; set; }

    /// <summary>
    /// When true (default), calls made with a delegated token (an allowed service acting for a user, RFC 8693 <c>act</c>:
    /// EvaluationService's cases) do not count against the user's own limit: the acting service bounds them itself
    /// (EvaluationService: its <c>runs</c> limit, run parallelism and concurrent-runs cap), and an evaluation of 100 cases
    /// must not fail on the owner's interactive chat limit. False counts them with the user's own calls.
    /// </summary>
    public bool ExemptDelegated { get; set; } = true;

    /// <summary>False turns the policy off (every request passes).</summary>
    public bool Enabled { get; set; } = true;

    internal UserRateLimitOptions CopyTo(UserRateLimitOptions target)
    {
        target.PermitLimit = PermitLimit;
        target.Window = Window;
        target.QueueLimit = QueueLimit;
        target.ExemptAdmins = ExemptAdmins;
        target.ExemptDelegated = ExemptDelegated;
        target.Enabled = Enabled;
        return target;
    }
}
