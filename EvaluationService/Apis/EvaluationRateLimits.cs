using ServiceDefaults.RateLimiting;

namespace EvaluationService.Apis;

/// <summary>EvaluationService's per-user rate-limit policies (options under <c>RateLimits:&lt;policy&gt;</c>, see README "Rate
/// limits").</summary>
public static class EvaluationRateLimits
{
    /// <summary><c>POST /api/suites</c>, <c>POST /api/suites/import</c> and <c>POST /api/suites/generate</c>.</summary>
    public const string Suites = "suites";

    /// <summary><c>POST /api/evaluations</c> (each run calls ChatService once per case, as the run owner).</summary>
    public const string Runs = "runs";

    public static IHostApplicationBuilder AddEvaluationRateLimits(this IHostApplicationBuilder builder) =>
        builder
            .AddUserRateLimit(Suites, new UserRateLimitOptions { PermitLimit = 30, Window = TimeSpan.FromMinutes(1) })
            .AddUserRateLimit(Runs, new UserRateLimitOptions { PermitLimit = 10, Window = TimeSpan.FromMinutes(1) });
}
