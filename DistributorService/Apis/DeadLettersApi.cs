using System.Security.Claims;
using DistributorService.Data;
using DistributorService.Intake;
using DistributorService.Options;
using DurableJobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.Problems;

namespace DistributorService.Apis;

public static class DeadLettersApi
{
    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/dead-letters").WithTags("Dead letters");
        group.MapGet("/", List).RequireAuthorization(Publishers.ReaderPolicyName);
        group.MapPost("/replay", Replay).RequireAuthorization(AuthPolicies.Admin);
        return app;
    }

    private static async Task<Results<Ok<Page<DistributionView>>, ProblemHttpResult>> List(
        Guid? destinationId, DateTimeOffset? since, int? limit, string? cursor, ClaimsPrincipal user,
        DistributorDbContext db, IOptions<DistributorOptions> options, CancellationToken cancellationToken)
    {
        if (PageRules.CheckNumber(limit, options.Value.MaxPageSize, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var visible = Publishers.Visible(db.Distributions.AsNoTracking(), user);
        return TypedResults.Ok(await DistributionsApi.PageAsync(visible, destinationId, DistributionStatus.DeadLettered, since,
            limit, after, options.Value, cancellationToken));
    }

    /// <summary>
    /// Puts dead-lettered distributions back in the queue with a fresh job (and a fresh attempt budget); attempt numbers
    /// continue. At most <c>Distributor:MaxReplayBatch</c> per call: call again while <c>replayed</c> equals that number.
    /// </summary>
    private static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> Replay(
        ReplayRequest request, DistributorDbContext db, DeliveryJobs jobs, IJobScheduler scheduler, IOptions<DistributorOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        if (request.Ids is not { Length: > 0 } && request.DestinationId is null && request.Since is null)
        {
            return Problem.Validation("give ids, destinationId or since");
        }

        var limit = options.Value.MaxReplayBatch;
        if (request.Ids is { Length: > 0 } ids && ids.Length > limit)
        {
            return Problem.Validation($"at most {limit} ids per call");
        }

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var query = db.Distributions.Where(d => d.Status == DistributionStatus.DeadLettered);
        if (request.Ids is { Length: > 0 } only)
        {
            query = query.Where(d => only.Contains(d.Id));
        }

        if (request.DestinationId is { } destinationId)
        {
            query = query.Where(d => d.DestinationId == destinationId);
        }

        if (request.Since is { } since)
        {
            query = query.Where(d => d.UpdatedAt >= since);
        }

        var selected = await query.OrderBy(d => d.Sequence).Take(limit).ToListAsync(cancellationToken);
        var destinationIds = selected.Select(d => d.DestinationId).Distinct().ToList();
        var destinations = await db.Destinations.AsNoTracking().Where(d => destinationIds.Contains(d.Id))
            .ToDictionaryAsync(d => d.Id, cancellationToken);
        var now = time.GetUtcNow();
        var replacedJobs = selected.Where(d => d.JobId is not null).Select(d => d.JobId!.Value).ToList();
        foreach (var distribution in selected)
        {
            var destination = destinations[distribution.DestinationId];
            distribution.Status = DistributionStatus.Pending;
            distribution.ReplayCount++;
            distribution.NextAttemptAt = null;
            distribution.UpdatedAt = now;
            distribution.JobId = null;
            if (destination is { Enabled: true, Paused: false })
            {
                jobs.Stage(distribution, destination);
            }
        }

        await db.SaveChangesAsync(cancellationToken);
        // The distribution is the dead letter; its old job leaves the queue's dead-letter count with it, in the same transaction.
        await scheduler.DiscardDeadLettersAsync(replacedJobs, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new ReplayResult(selected.Count, selected.Select(d => d.Id).ToList()));
    }
}
