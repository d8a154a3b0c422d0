using System.Globalization;
using System.Security.Claims;
using DistributorService.Data;
using DistributorService.Intake;
using DistributorService.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Problems;

namespace DistributorService.Apis;

public static class DistributionsApi
{
    public static IEndpointRouteBuilder MapDistributionsApi(this IEndpointRouteBuilder app)
    {
        // Admins read every distribution; a publisher those of its own events (Publishers.Visible); anyone else is 403.
        var group = app.MapGroup("/api/distributions").WithTags("Distributions").RequireAuthorization(Publishers.ReaderPolicyName);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        return app;
    }

    private static async Task<Results<Ok<DistributionView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, DistributorDbContext db,
        CancellationToken cancellationToken)
    {
        var distribution = await Publishers.Visible(db.Distributions.AsNoTracking(), user)
            .Include(d => d.Attempts)
            .FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        return distribution is null ? Problem.NotFound("Distribution") : TypedResults.Ok(distribution.ToView(withAttempts: true));
    }

    /// <summary>Newest first; <c>cursor</c> is the <c>nextCursor</c> of the previous page.</summary>
    private static async Task<Results<Ok<Page<DistributionView>>, ProblemHttpResult>> List(
        Guid? destinationId, string? status, DateTimeOffset? since, int? limit, string? cursor, ClaimsPrincipal user,
        DistributorDbContext db, IOptions<DistributorOptions> options, CancellationToken cancellationToken)
    {
        if (status is not null && !DistributionStatus.All.Contains(status))
        {
            return Problem.Validation($"status must be one of {string.Join(", ", DistributionStatus.All)}");
        }

        if (Problem.InvalidLimit(limit, options.Value.MaxPageSize) is { } badLimit)
        {
            return badLimit;
        }

        var result = await PageAsync(Publishers.Visible(db.Distributions.AsNoTracking(), user), destinationId, status, since, limit, cursor, options.Value, cancellationToken);
        return result is null ? Problem.InvalidCursor() : TypedResults.Ok(result);
    }

    internal static async Task<Page<DistributionView>?> PageAsync(IQueryable<Distribution> query, Guid? destinationId, string? status,
        DateTimeOffset? since, int? limit, string? cursor, DistributorOptions options, CancellationToken cancellationToken)
    {
        var take = limit ?? options.DefaultPageSize; // validated by the caller (Problem.InvalidLimit)
        if (destinationId is { } destination)
        {
            query = query.Where(d => d.DestinationId == destination);
        }

        if (status is not null)
        {
            query = query.Where(d => d.Status == status);
        }

        if (since is { } from)
        {
            query = query.Where(d => d.CreatedAt >= from);
        }

        if (cursor is not null)
        {
            if (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var before))
            {
                return null;
            }

            query = query.Where(d => d.Sequence < before);
        }

        var page = await query.OrderByDescending(d => d.Sequence).Take(take).ToListAsync(cancellationToken);
        return new Page<DistributionView>(page.Select(d => d.ToView(withAttempts: false)).ToList(),
            DistributionViews.CursorAfter(page, take, d => d.Sequence));
    }
}
