using System.Security.Claims;
using DistributorService.Data;
using DistributorService.Intake;
using DistributorService.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Paging;
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

        if (PageRules.CheckNumber(limit, options.Value.MaxPageSize, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var visible = Publishers.Visible(db.Distributions.AsNoTracking(), user);
        return TypedResults.Ok(await PageAsync(visible, destinationId, status, since, limit, after, options.Value, cancellationToken));
    }

    /// <summary>Newest first by sequence; <paramref name="before"/> is the decoded cursor (the previous page's last sequence).</summary>
    internal static async Task<Page<DistributionView>> PageAsync(IQueryable<Distribution> query, Guid? destinationId, string? status,
        DateTimeOffset? since, int? limit, long? before, DistributorOptions options, CancellationToken cancellationToken)
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

        if (before is { } last)
        {
            query = query.Where(d => d.Sequence < last);
        }

        var page = await query.OrderByDescending(d => d.Sequence).Take(take).ToListAsync(cancellationToken);
        return new Page<DistributionView>(page.Select(d => d.ToView(withAttempts: false)).ToList(),
            page.Count == take ? PageCursor.EncodeNumber(page[^1].Sequence) : null);
    }
}
