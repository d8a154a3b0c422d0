using DurableJobs.Monitoring;
using DurableJobs.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.Problems;

namespace DurableJobs.Admin;

/// <summary>
/// Admin API of the job mechanism (admin role): queue summaries, workers, dead letters and their replay. Every service
/// that calls <c>AddDurableJobs</c> gets it from <c>MapDefaultEndpoints</c> (<see cref="DefaultEndpoints"/>).
/// </summary>
public static class DurableJobsAdminEndpoints
{
    /// <summary>Maps the admin API for <c>MapDefaultEndpoints</c>.</summary>
    internal sealed class DefaultEndpoints : ServiceDefaults.Endpoints.IDefaultEndpoints
    {
        public void Map(IEndpointRouteBuilder endpoints) => endpoints.MapDurableJobsAdmin();
    }

    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 200;
    private const int MaxReplay = 1000;
    private const int MaxWorkers = 500;

    public static RouteGroupBuilder MapDurableJobsAdmin(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("/admin").RequireAuthorization(AuthPolicies.Admin).WithTags("Jobs admin");
        group.MapGet("/queues", ListQueuesAsync).WithName("ListJobQueues");
        group.MapGet("/workers", ListWorkersAsync).WithName("ListJobWorkers");
        group.MapGet("/queues/{queue}/dead-letters", ListDeadLettersAsync).WithName("ListDeadLetters");
        group.MapPost("/queues/{queue}/dead-letters/replay", ReplayDeadLettersAsync).WithName("ReplayDeadLetters");
        return group;
    }

    internal static async Task<Results<Ok<IReadOnlyList<QueueSummary>>, ProblemHttpResult>> ListQueuesAsync(
        [AsParameters] AdminServices services, CancellationToken cancellationToken)
    {
        IReadOnlyList<QueueStats> stats;
        try
        {
            stats = await services.Monitor.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return Problem.Unavailable(ErrorCodes.DependencyUnavailable, "The job table cannot be read right now.",
                TimeSpan.FromSeconds(5));
        }

        var workers = await services.Workers.ListAsync(MaxWorkers, cancellationToken).ConfigureAwait(false);
        var summaries = stats.Select(s =>
        {
            var options = services.QueueOptions.Get(s.Queue);
            var age = s.OldestDueAge ?? TimeSpan.Zero;
            return new QueueSummary(
                s.Queue,
                s.Depth,
                s.Running,
                workers?.Count(w => w.Queue == s.Queue && !w.Stale),
                Math.Round(age.TotalSeconds, 3),
                s.DeadLetters,
                options.Concurrency,
                age > options.OldestQueuedDegradedAfter);
        }).ToList();
        return TypedResults.Ok<IReadOnlyList<QueueSummary>>(summaries);
    }

    internal static async Task<Results<Ok<IReadOnlyList<WorkerSummary>>, ProblemHttpResult>> ListWorkersAsync(
        [AsParameters] AdminServices services, CancellationToken cancellationToken)
    {
        var workers = await services.Workers.ListAsync(MaxWorkers, cancellationToken).ConfigureAwait(false);
        return workers is null
            ? Problem.Unavailable(ErrorCodes.DependencyUnavailable, "Worker heartbeats live in Redis, which is unavailable.",
                TimeSpan.FromSeconds(5))
            : TypedResults.Ok(workers);
    }

    internal static async Task<Results<Ok<Page<JobSnapshot>>, ProblemHttpResult>> ListDeadLettersAsync(
        string queue, int? limit, string? cursor, [AsParameters] AdminServices services, CancellationToken cancellationToken)
    {
        if (!services.Registry.Contains(queue))
        {
            return Problem.NotFound($"Queue '{queue}'");
        }

        if (PageRules.Check(limit, MaxPageSize, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var take = limit ?? DefaultPageSize;

        var rows = await services.Store.ListDeadLettersAsync(queue, take + 1, after, cancellationToken).ConfigureAwait(false);
        string? next = null;
        if (rows.Count > take)
        {
            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            next = new PageCursor(last.FinishedAt ?? last.CreatedAt, last.Id).Encode();
        }

        return TypedResults.Ok(new Page<JobSnapshot>(rows, next));
    }

    internal static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayDeadLettersAsync(
        string queue, ReplayRequest? request, [AsParameters] AdminServices services, CancellationToken cancellationToken)
    {
        if (!services.Registry.Contains(queue))
        {
            return Problem.NotFound($"Queue '{queue}'");
        }

        var ids = request?.Ids ?? [];
        if (ids.Count == 0 && request?.Since is null)
        {
            return Problem.Validation("Give ids, since, or both.");
        }

        if (ids.Count > MaxReplay)
        {
            return Problem.Validation($"At most {MaxReplay} ids per call.");
        }

        var replayed = await services.Store.ReplayDeadLettersAsync(queue, [.. ids.Distinct()], request?.Since, MaxReplay, cancellationToken)
            .ConfigureAwait(false);
        await services.Dispatcher.DispatchAsync([.. replayed.Select(id => new DispatchItem(id, queue))], cancellationToken)
            .ConfigureAwait(false);
        return TypedResults.Ok(new ReplayResult(replayed.Count, replayed));
    }
}
