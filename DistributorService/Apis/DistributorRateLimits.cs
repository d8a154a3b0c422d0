using ServiceDefaults.RateLimiting;

namespace DistributorService.Apis;

/// <summary>DistributorService's per-publisher rate limit (options under <c>RateLimits:events</c>, see README "Rate limits").</summary>
public static class DistributorRateLimits
{
    /// <summary>
    /// <c>POST /api/events</c>, per publisher (<c>sub</c>). Generous by default: services publish in bursts (a finished run
    /// publishes at once), and intake has its own back-pressure (503 when the database cannot keep up).
    /// </summary>
    public const string Events = "events";

    public static IHostApplicationBuilder AddDistributorRateLimits(this IHostApplicationBuilder builder) =>
        builder.AddUserRateLimit(Events, new UserRateLimitOptions { PermitLimit = 6000, Window = TimeSpan.FromMinutes(1) });
}
