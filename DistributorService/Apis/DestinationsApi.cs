using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Destinations;
using DistributorService.Intake;
using DistributorService.Options;
using DurableJobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.Problems;

namespace DistributorService.Apis;

public static class DestinationsApi
{
    public static IEndpointRouteBuilder MapDestinationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/destinations").RequireAuthorization(AuthPolicies.Admin).WithTags("Destinations");
        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapPut("/{id:guid}", Update);
        group.MapDelete("/{id:guid}", Delete);
        group.MapPost("/{id:guid}/pause", Pause);
        group.MapPost("/{id:guid}/resume", Resume);
        return app;
    }

    public sealed record Services(
        DistributorDbContext Db,
        DestinationEditor Editor,
        DestinationConnections Connections,
        DestinationBreakers Breakers,
        OAuthTokenCache Tokens,
        ParkedDistributions Parked,
        DestinationCatalog Catalog,
        IOptions<DistributorOptions> Options,
        IJobScheduler Jobs,
        TimeProvider Time);

    private static async Task<Results<Created<DestinationView>, ProblemHttpResult>> Create(
        DestinationRequest request, [AsParameters] Services s, CancellationToken cancellationToken)
    {
        var destination = new Destination { Name = "", Url = "" };
        if (await s.Editor.ApplyAsync(destination, request, creating: true, cancellationToken) is { } error)
        {
            return Problem.Validation(error);
        }

        s.Db.Destinations.Add(destination);
        await s.Db.SaveChangesAsync(cancellationToken);
        s.Catalog.Invalidate(destination.Id);
        return TypedResults.Created($"/api/destinations/{destination.Id}", s.Editor.ToView(destination));
    }

    private static async Task<Results<Ok<Page<DestinationView>>, ProblemHttpResult>> List(
        [AsParameters] Services s, int? limit, string? cursor, CancellationToken cancellationToken)
    {
        if (PageRules.Check(limit, s.Options.Value.MaxPageSize, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var take = limit ?? s.Options.Value.DefaultPageSize;
        var query = s.Db.Destinations.AsNoTracking().OrderBy(d => d.CreatedAt).ThenBy(d => d.Id).AsQueryable();
        if (after is { } last)
        {
            var (createdAt, id) = (last.At, last.Id);
            query = query.Where(d => d.CreatedAt > createdAt || (d.CreatedAt == createdAt && d.Id.CompareTo(id) > 0));
        }

        var page = await query.Take(take).ToListAsync(cancellationToken);
        var next = page.Count == take ? new PageCursor(page[^1].CreatedAt, page[^1].Id).Encode() : null;
        return TypedResults.Ok(new Page<DestinationView>(page.Select(s.Editor.ToView).ToList(), next));
    }

    private static async Task<Results<Ok<DestinationView>, ProblemHttpResult>> Get(
        Guid id, [AsParameters] Services s, CancellationToken cancellationToken)
    {
        var destination = await s.Db.Destinations.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        return destination is null ? Problem.NotFound("Destination") : TypedResults.Ok(s.Editor.ToView(destination));
    }

    private static async Task<Results<Ok<DestinationView>, ProblemHttpResult>> Update(
        Guid id, DestinationRequest request, [AsParameters] Services s, CancellationToken cancellationToken)
    {
        var destination = await s.Db.Destinations.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (destination is null)
        {
            return Problem.NotFound("Destination");
        }

        if (await s.Editor.ApplyAsync(destination, request, creating: false, cancellationToken) is { } error)
        {
            return Problem.Validation(error);
        }

        await s.Db.SaveChangesAsync(cancellationToken);
        s.Catalog.Invalidate(id);
        s.Tokens.Forget(id);
        if (destination is { Enabled: true, Paused: false })
        {
            await s.Parked.RequeueAsync(id, cancellationToken);
        }

        return TypedResults.Ok(s.Editor.ToView(destination));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, [AsParameters] Services s, CancellationToken cancellationToken)
    {
        // One transaction: the destination and its distributions (their attempts follow by cascade). There is no
        // foreign key doing this (see DistributionConfiguration), so it is done here.
        await using var transaction = await s.Db.Database.BeginTransactionAsync(cancellationToken);
        var deleted = await s.Db.Destinations.Where(d => d.Id == id).ExecuteDeleteAsync(cancellationToken);
        if (deleted == 0)
        {
            return Problem.NotFound("Destination");
        }

        // Their dead-lettered jobs go too, so the queue's dead-letter count agrees with the distributions'.
        var deadJobs = await s.Db.Distributions.Where(d => d.DestinationId == id && d.Status == DistributionStatus.DeadLettered
            && d.JobId != null)
            .Select(d => d.JobId!.Value).ToListAsync(cancellationToken);
        await s.Db.Distributions.Where(d => d.DestinationId == id).ExecuteDeleteAsync(cancellationToken);
        await s.Jobs.DiscardDeadLettersAsync(deadJobs, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        s.Catalog.Invalidate(id);
        s.Connections.Forget(id);
        s.Tokens.Forget(id);
        s.Breakers.Forget(id);
        return TypedResults.NoContent();
    }

    private static Task<Results<Ok<DestinationView>, ProblemHttpResult>> Pause(
        Guid id, [AsParameters] Services s, CancellationToken cancellationToken) => SetPausedAsync(id, true, s, cancellationToken);

    private static Task<Results<Ok<DestinationView>, ProblemHttpResult>> Resume(
        Guid id, [AsParameters] Services s, CancellationToken cancellationToken) => SetPausedAsync(id, false, s, cancellationToken);

    private static async Task<Results<Ok<DestinationView>, ProblemHttpResult>> SetPausedAsync(
        Guid id, bool paused, Services s, CancellationToken cancellationToken)
    {
        var destination = await s.Db.Destinations.FirstOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (destination is null)
        {
            return Problem.NotFound("Destination");
        }

        destination.Paused = paused;
        destination.UpdatedAt = s.Time.GetUtcNow();
        await s.Db.SaveChangesAsync(cancellationToken);
        s.Catalog.Invalidate(id);
        if (!paused)
        {
            await s.Parked.RequeueAsync(id, cancellationToken);
        }

        return TypedResults.Ok(s.Editor.ToView(destination));
    }
}
