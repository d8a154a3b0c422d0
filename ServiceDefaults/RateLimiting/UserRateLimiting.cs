using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Problems;

namespace ServiceDefaults.RateLimiting;

/// <summary>
/// Per-user rate limits on top of ASP.NET Core's rate limiter: each policy is a fixed window partitioned by the
/// caller's <c>sub</c>, configured under <c>RateLimits:&lt;policy&gt;</c>. A refusal is 429 with code <c>RATE_LIMITED</c>
/// and <c>Retry-After</c>; an endpoint can answer in its own shape with <see cref="IRateLimitRejectionWriter"/> metadata.
/// The middleware runs after authorization, so anonymous callers are refused (401) before they count.
/// </summary>
public static class UserRateLimiting
{
    /// <summary>Registers the rate limiter's services and the rejection response (every service; policies are added per service).</summary>
    internal static IServiceCollection AddUserRateLimiter(this IServiceCollection services) =>
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = RejectAsync;
        });

    /// <summary>
    /// Adds a per-user policy named <paramref name="policy"/> with the service's defaults; configuration under
    /// <c>RateLimits:&lt;policy&gt;</c> overrides each value. Endpoints opt in with <c>RequireRateLimiting(policy)</c>.
    /// </summary>
    public static IHostApplicationBuilder AddUserRateLimit(this IHostApplicationBuilder builder, string policy,
        UserRateLimitOptions defaults)
    {
        builder.Services.AddOptions<UserRateLimitOptions>(policy)
            .Configure(o => defaults.CopyTo(o))
            .Bind(builder.Configuration.GetSection($"{UserRateLimitOptions.Section}:{policy}"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.Configure<RateLimiterOptions>(o => o.AddPolicy(policy, context =>
        {
            var options = context.RequestServices.GetRequiredService<IOptionsMonitor<UserRateLimitOptions>>().Get(policy);
            var user = ClaimsPrincipalExtensions.HasUserId(context.User) ? context.User.GetUserId() : null;
            if (!options.Enabled || user is null || (options.ExemptAdmins && context.User.IsInRole(AuthRoles.Admin))
                || (options.ExemptDelegated && context.User.HasClaim(c => c.Type == DevTokenIssuer.ActorClaim)))
            {
                return RateLimitPartition.GetNoLimiter("");
            }

            return RateLimitPartition.GetFixedWindowLimiter(user, _ => new FixedWindowRateLimiterOptions
            {
                PermitLimit = options.PermitLimit,
                Window = options.Window,
                QueueLimit = options.QueueLimit,
                QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                AutoReplenishment = true,
            });
        }));
        return builder;
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        TimeSpan? retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : null;
        var seconds = Math.Max(1, (int)Math.Ceiling((retryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var detail = $"Too many requests from this user; retry after {seconds} s.";
        if (context.GetEndpoint()?.Metadata.GetMetadata<IRateLimitRejectionWriter>() is { } writer)
        {
            await writer.WriteAsync(context, detail, cancellationToken);
            return;
        }

        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = detail,
                Extensions = { ["code"] = ErrorCodes.RateLimited, ["retryAfterSeconds"] = seconds },
            },
        });
    }
}

/// <summary>Endpoint metadata: writes a rate-limit refusal in the endpoint's own error shape (status and Retry-After are set).</summary>
public interface IRateLimitRejectionWriter
{
    ValueTask WriteAsync(HttpContext context, string detail, CancellationToken cancellationToken);
}
