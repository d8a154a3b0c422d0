using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Text.Json;
using DurableJobs;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Reports;
using EvaluationService.Runs;
using EvaluationService.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.Problems;
using ServiceDefaults.RateLimiting;
using ServiceDefaults.Requests;

namespace EvaluationService.Apis;

public static class EvaluationsApi
{
    /// <summary>The largest page a list of this service returns (<c>limit</c> beyond it is 400).</summary>
    internal const int MaxPageSize = 200;

    public static IEndpointRouteBuilder MapEvaluationsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/evaluations").WithTags("Evaluations");
        group.MapPost("/", Create).RequireRateLimiting(EvaluationRateLimits.Runs);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapPost("/{id:guid}/cancel", Cancel);
        group.MapGet("/{id:guid}/events", Events).DisableRequestTimeout().LimitStreamsPerUser();
        group.MapGet("/{id:guid}/report", Report);
        group.MapGet("/{id:guid}/report.html", HtmlReport);
        return app;
    }

    internal static async Task<Results<Accepted<RunView>, ProblemHttpResult>> Create(CreateEvaluationRequest request, ClaimsPrincipal user,
        EvaluationDbContext db, IJobScheduler scheduler, IOptions<EvaluationOptions> options, TimeProvider time,
        CancellationToken cancellationToken, IdempotencyKey idempotency = default)
    {
        var owner = user.GetUserId();
        var idempotencyKey = idempotency.Value;
        if (idempotencyKey is not null && await FindByKeyAsync(db, owner, idempotencyKey, cancellationToken) is { } existing)
        {
            return Accepted(await ViewAsync(db, existing, cancellationToken));
        }

        if (ValidateSettings(request, options.Value, out var settings) is { } invalid)
        {
            return invalid;
        }

        var (suite, caseCount, refused) = await FindRunnableSuiteAsync(db, request, user, cancellationToken);
        if (refused is not null)
        {
            return refused;
        }

        var run = NewRun(request, settings, suite!, caseCount, owner, idempotencyKey, time.GetUtcNow());
        try
        {
            var accepted = await AcceptAsync(db, scheduler, run, options.Value, cancellationToken);
            return Accepted(await ViewAsync(db, accepted, cancellationToken));
        }
        catch (JobValidationException ex)
        {
            return Problem.Validation(ex.Message);
        }
    }

    /// <summary>The run's settings: the request's values or the defaults, each within its limit.</summary>
    private readonly record struct RunSettings(int Parallelism, int CaseTimeout, int RunTimeout, int Repetitions);

    /// <summary>Validation: the request's settings (or the defaults) within the options' limits, else 400.</summary>
    private static ProblemHttpResult? ValidateSettings(CreateEvaluationRequest request, EvaluationOptions o, out RunSettings settings)
    {
        var maxCaseTimeout = (int)o.MaxCaseTimeout.TotalSeconds;
        var maxRunTimeout = (int)o.MaxRunTimeout.TotalSeconds;
        settings = new RunSettings(
            request.Parallelism ?? o.DefaultParallelism,
            request.CaseTimeoutSeconds ?? (int)o.DefaultCaseTimeout.TotalSeconds,
            request.RunTimeoutSeconds ?? (int)o.DefaultRunTimeout.TotalSeconds,
            request.Repetitions ?? 1);
        var (parallelism, caseTimeout, runTimeout, repetitions) = settings;
        var error = (parallelism < 1 || parallelism > o.MaxParallelism) ? $"'parallelism' must be between 1 and {o.MaxParallelism}."
            : (caseTimeout < 1 || caseTimeout > maxCaseTimeout) ? $"'caseTimeoutSeconds' must be between 1 and {maxCaseTimeout}."
            : (runTimeout < 1 || runTimeout > maxRunTimeout) ? $"'runTimeoutSeconds' must be between 1 and {maxRunTimeout}."
            : (repetitions < 1 || repetitions > o.MaxRepetitions) ? $"'repetitions' must be between 1 and {o.MaxRepetitions}."
            : request.MaxCases is < 1 ? "'maxCases' must be at least 1."
            : null;
        return error is null ? null : Problem.Validation(error);
    }

    /// <summary>Validation against the database: a ready, non-empty suite of the caller, and a visible baseline.</summary>
    private static async Task<(Suite? Suite, int CaseCount, ProblemHttpResult? Refused)> FindRunnableSuiteAsync(EvaluationDbContext db,
        CreateEvaluationRequest request, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var suite = await SuitesApi.FindAsync(db, request.SuiteId, user, cancellationToken);
        if (suite is null)
        {
            return (null, 0, Problem.NotFound("Suite"));
        }

        if (suite.Status != SuiteStatus.Ready)
        {
            return (null, 0, Problem.Of(409, EvaluationErrorCodes.SuiteNotReady, "Suite not ready", $"The suite is {suite.Status}."));
        }

        var caseCount = await db.SuiteCases.CountAsync(c => c.SuiteId == suite.Id, cancellationToken);
        if (caseCount == 0)
        {
            return (null, 0, Problem.Of(400, EvaluationErrorCodes.EmptySuite, "Empty suite", "The suite has no case to evaluate."));
        }

        var owner = user.GetUserId();
        var admin = user.IsAdmin();
        if (request.BaselineId is { } baselineId
            && !await db.Runs.AnyAsync(r => r.Id == baselineId && (r.Owner == owner || admin), cancellationToken))
        {
            return (null, 0, Problem.NotFound("Baseline run"));
        }

        return (suite, caseCount, null);
    }

    /// <summary>Mapping: the run row of the request.</summary>
    private static EvaluationRun NewRun(CreateEvaluationRequest request, RunSettings settings, Suite suite, int caseCount, string owner,
        string? idempotencyKey, DateTimeOffset now)
    {
        var maxCases = Math.Min(request.MaxCases ?? caseCount, caseCount);
        return new EvaluationRun
        {
            Id = Guid.CreateVersion7(),
            Owner = owner,
            SuiteId = suite.Id,
            SuiteName = suite.Name,
            Total = maxCases * settings.Repetitions,
            MaxCases = maxCases,
            Parallelism = settings.Parallelism,
            CaseTimeoutSeconds = settings.CaseTimeout,
            RunTimeoutSeconds = settings.RunTimeout,
            Repetitions = settings.Repetitions,
            BaselineId = request.BaselineId,
            IdempotencyKey = idempotencyKey,
            CreatedAt = now,
        };
    }

    /// <summary>Persistence: the run and its job in one SaveChanges; a repeated Idempotency-Key answers with the stored run.</summary>
    private static async Task<EvaluationRun> AcceptAsync(EvaluationDbContext db, IJobScheduler scheduler, EvaluationRun run,
        EvaluationOptions o, CancellationToken cancellationToken)
    {
        // why: the job may wait for a run slot before the run's own clock starts; its timeout covers both.
        var jobTimeout = o.SlotWait + TimeSpan.FromSeconds(run.RunTimeoutSeconds) + o.FinalizeTimeout * 2;
        var (owner, key) = (run.Owner, run.IdempotencyKey);
        var accepted = await db.AcceptOnceAsync(run,
            r => r.JobId = scheduler.Stage(new RunJobPayload(r.Id), new EnqueueOptions(owner, r.Id.ToString(), jobTimeout)).Id,
            key is null ? null : ct => FindByKeyAsync(db, owner, key, ct), cancellationToken);
        return accepted.Entity;
    }

    internal static async Task<Results<Ok<Page<RunView>>, ProblemHttpResult>> List(ClaimsPrincipal user, EvaluationDbContext db,
        CancellationToken cancellationToken, int limit = 50, string? cursor = null, string? status = null)
    {
        if (PageRules.Check(limit, MaxPageSize, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var owner = user.GetUserId();
        var query = db.Runs.AsNoTracking().Where(r => r.Owner == owner);
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(r => r.Status == status);
        }

        if (after is { } last)
        {
            var (createdAt, id) = (last.At, last.Id);
            query = query.Where(r => r.CreatedAt < createdAt || (r.CreatedAt == createdAt && r.Id.CompareTo(id) < 0));
        }

        var runs = await query.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id).Take(limit + 1)
            .ToListAsync(cancellationToken);
        var page = runs.Take(limit).ToList();
        var ids = page.Select(r => r.Id).ToList();
        var done = await db.CaseResults.Where(r => ids.Contains(r.RunId)).GroupBy(r => r.RunId)
            .Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.Key, x => x.Count, cancellationToken);
        var next = runs.Count > limit ? new PageCursor(page[^1].CreatedAt, page[^1].Id).Encode() : null;
        return TypedResults.Ok(new Page<RunView>(page.Select(r => View(r, done.GetValueOrDefault(r.Id))).ToList(), next));
    }

    internal static async Task<Results<Ok<RunView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, EvaluationDbContext db,
        CancellationToken cancellationToken) =>
        await FindAsync(db, id, user, cancellationToken) is { } run ? TypedResults.Ok(await ViewAsync(db, run, cancellationToken))
            : Problem.NotFound("Run");

    internal static async Task<Results<Accepted<RunView>, Ok<RunView>, ProblemHttpResult>> Cancel(Guid id, ClaimsPrincipal user,
        EvaluationDbContext db, IJobScheduler scheduler, RunFinalizer finalizer, CancellationToken cancellationToken)
    {
        var run = await FindAsync(db, id, user, cancellationToken);
        if (run is null)
        {
            return Problem.NotFound("Run");
        }

        if (RunStatus.IsTerminal(run.Status))
        {
            return TypedResults.Ok(await ViewAsync(db, run, cancellationToken));
        }

        await db.Runs.Where(r => r.Id == id).ExecuteUpdateAsync(s => s.SetProperty(r => r.CancelRequested, true), cancellationToken);
        if (run.Status == RunStatus.Queued)
        {
            // why: a queued run has no worker to notice the flag soon; it ends here (first ending wins if a worker just took it).
            await finalizer.FinishAsync(id, RunStatus.Cancelled, "RUN_CANCELLED", "Cancelled before it started.");
        }

        if (run.JobId is { } jobId)
        {
            await scheduler.CancelAsync(jobId, cancellationToken);
        }

        var fresh = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == id, cancellationToken);
        return TypedResults.Accepted($"/api/evaluations/{id}", await ViewAsync(db, fresh, cancellationToken));
    }

    internal static async Task<Results<ServerSentEventsResult<RunView>, ProblemHttpResult>> Events(Guid id, ClaimsPrincipal user,
        EvaluationDbContext db, IOptions<EvaluationOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, id, user, cancellationToken) is null)
        {
            return Problem.NotFound("Run");
        }

        return TypedResults.ServerSentEvents(StreamAsync(id, db, options.Value, time, cancellationToken));
    }

    private static async IAsyncEnumerable<SseItem<RunView>> StreamAsync(Guid id, EvaluationDbContext db, EvaluationOptions options,
        TimeProvider time, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.EventsMaxDuration);
        var poll = options.EventsPollInterval;
        (string Status, int Done)? last = null;
        while (!limit.IsCancellationRequested)
        {
            var run = await db.Runs.AsNoTracking().FirstAsync(r => r.Id == id, limit.Token);
            var view = await ViewAsync(db, run, limit.Token);
            if (last != (view.Status, view.Progress.Done))
            {
                last = (view.Status, view.Progress.Done);
                var terminal = RunStatus.IsTerminal(view.Status);
                yield return new SseItem<RunView>(view, terminal ? "completed" : "progress")
                {
                    EventId = $"{view.Progress.Done}-{view.Status}",
                };
                if (terminal)
                {
                    yield break;
                }
            }

            try
            {
                await Task.Delay(poll, time, limit.Token);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    internal static async Task<Results<Ok<EvaluationReport>, ProblemHttpResult>> Report(Guid id, ClaimsPrincipal user,
        EvaluationDbContext db, ReportBuilder reports, CancellationToken cancellationToken) =>
        await FindAsync(db, id, user, cancellationToken) is { } run
            ? TypedResults.Ok(await reports.BuildAsync(run, cancellationToken))
            : Problem.NotFound("Run");

    internal static async Task<IResult> HtmlReport(Guid id, ClaimsPrincipal user, HttpResponse response, EvaluationDbContext db,
        ReportBuilder reports, CancellationToken cancellationToken)
    {
        if (await FindAsync(db, id, user, cancellationToken) is not { } run)
        {
            return Problem.NotFound("Run");
        }

        var html = HtmlReportRenderer.Render(await reports.BuildAsync(run, cancellationToken));
        // why: the page must stand alone: nothing may be fetched, so a saved copy renders the same offline.
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static Task<EvaluationRun?> FindAsync(EvaluationDbContext db, Guid id, ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        var admin = user.IsAdmin();
        return db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id && (r.Owner == owner || admin), cancellationToken);
    }

    private static Task<EvaluationRun?> FindByKeyAsync(EvaluationDbContext db, string owner, string key,
        CancellationToken cancellationToken) =>
        db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Owner == owner && r.IdempotencyKey == key, cancellationToken);

    private static async Task<RunView> ViewAsync(EvaluationDbContext db, EvaluationRun run, CancellationToken cancellationToken) =>
        View(run, await db.CaseResults.CountAsync(r => r.RunId == run.Id, cancellationToken));

    private static RunView View(EvaluationRun run, int done) => new(
        run.Id, run.SuiteId, run.SuiteName, run.Status, new ProgressView(done, run.Total),
        new RunOptionsView(run.MaxCases, run.Parallelism, run.CaseTimeoutSeconds, run.RunTimeoutSeconds, run.Repetitions),
        run.BaselineId,
        run.Summary is null ? null : JsonSerializer.Deserialize<RunSummary>(run.Summary, JsonSerializerOptions.Web),
        run.CancelRequested, run.ErrorCode, run.ErrorMessage, run.CreatedAt, run.StartedAt, run.FinishedAt);

    private static Accepted<RunView> Accepted(RunView view) => TypedResults.Accepted($"/api/evaluations/{view.Id}", view);
}
