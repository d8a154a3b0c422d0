using System.Security.Claims;
using System.Text;
using System.Text.Json;
using DurableJobs;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Scoring;
using EvaluationService.Suites;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.OpenApi;
using ServiceDefaults.Problems;
using ServiceDefaults.Validation;

namespace EvaluationService.Apis;

public static class SuitesApi
{
    public static IEndpointRouteBuilder MapSuitesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/suites").WithTags("Suites");
        group.MapPost("/", Create).RequireRateLimiting(EvaluationRateLimits.Suites);
        group.MapPost("/import", Import).DisableAntiforgery().RequireRateLimiting(EvaluationRateLimits.Suites)
            .WithUploadBody("The cases as JSON Lines (.jsonl) or CSV (.csv); as a form file or as the raw body (?format=jsonl|csv).",
                new Dictionary<string, string> { ["name"] = "Optional suite name." }, "application/x-ndjson", "text/csv");
        group.MapPost("/generate", Generate).RequireRateLimiting(EvaluationRateLimits.Suites);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapDelete("/{id:guid}", Delete);
        return app;
    }

    internal static async Task<Results<Created<SuiteView>, ProblemHttpResult>> Create(CreateSuiteRequest request, ClaimsPrincipal user,
        EvaluationDbContext db, IOptions<EvaluationOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return Problem.Validation("'name' is required (at most 200 characters).");
        }

        var inputs = request.Cases ?? [];
        if (inputs.Count == 0)
        {
            return Problem.Of(400, EvaluationErrorCodes.EmptySuite, "Empty suite", "A suite needs at least one case.");
        }

        if (inputs.Count > options.Value.MaxCasesPerSuite)
        {
            return Problem.Validation($"A suite holds at most {options.Value.MaxCasesPerSuite} cases.");
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            try
            {
                SuiteImporter.Validate(inputs[i], i + 1);
            }
            catch (SuiteImportException ex)
            {
                return Problem.Validation($"cases[{i}]: {ex.Message[(ex.Message.IndexOf(':', StringComparison.Ordinal) + 2)..]}");
            }
        }

        return await SaveAsync(db, user, request.Name, request.Description, "api", inputs, time, cancellationToken);
    }

    internal static async Task<Results<Created<SuiteView>, ProblemHttpResult>> Import(HttpRequest http, ClaimsPrincipal user,
        EvaluationDbContext db, IOptions<EvaluationOptions> options, TimeProvider time, CancellationToken cancellationToken,
        string? name = null, string? format = null)
    {
        string? fileName = null;
        TextReader reader;
        if (http.HasFormContentType)
        {
            var form = await http.ReadFormAsync(cancellationToken);
            var file = form.Files.GetFile("file") ?? form.Files.FirstOrDefault();
            if (file is null)
            {
                return Problem.Validation("Upload the cases as form field 'file' (.jsonl or .csv).");
            }

            fileName = file.FileName;
            name ??= form["name"].FirstOrDefault();
            reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
        }
        else
        {
            reader = new StreamReader(http.Body, Encoding.UTF8);
        }

        using (reader)
        {
            var kind = (format ?? FormatOf(http.ContentType, fileName))?.ToLowerInvariant();
            if (kind is not ("jsonl" or "csv"))
            {
                return Problem.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported import format",
                    "Send JSON Lines (application/x-ndjson, .jsonl) or CSV (text/csv, .csv), or pass ?format=jsonl|csv.");
            }

            List<CaseInput> cases;
            try
            {
                cases = kind == "csv"
                    ? await SuiteImporter.ReadCsvAsync(reader, options.Value.MaxCasesPerSuite, cancellationToken)
                    : await SuiteImporter.ReadJsonLinesAsync(reader, options.Value.MaxCasesPerSuite, cancellationToken);
            }
            catch (SuiteImportException ex)
            {
                return Problem.Of(400, EvaluationErrorCodes.MalformedImport, "Malformed import", ex.Message,
                    new Dictionary<string, object?> { ["line"] = ex.Line });
            }

            if (cases.Count == 0)
            {
                return Problem.Of(400, EvaluationErrorCodes.EmptySuite, "Empty suite", "The import holds no case.");
            }

            var suiteName = string.IsNullOrWhiteSpace(name) ? Path.GetFileNameWithoutExtension(fileName) ?? "imported suite" : name;
            if (TextRules.Problem(suiteName) is { } badName)
            {
                return Problem.Validation($"the suite name {badName}");
            }

            return await SaveAsync(db, user, suiteName.Length > 200 ? suiteName[..200] : suiteName, null, "import", cases, time,
                cancellationToken);
        }
    }

    internal static async Task<Results<Accepted<SuiteView>, ProblemHttpResult>> Generate(GenerateSuiteRequest request,
        ClaimsPrincipal user, EvaluationDbContext db, IJobScheduler scheduler, EvaluationLlm llm, IOptions<GenerationOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var documents = request.DocumentIds?.Where(d => !string.IsNullOrWhiteSpace(d)).Distinct().ToList() ?? [];
        if (documents.Count == 0 || documents.Count > options.Value.MaxDocuments)
        {
            return Problem.Validation($"'documentIds' takes 1 to {options.Value.MaxDocuments} document ids.");
        }

        var count = request.Count ?? 10;
        if (count < 1 || count > options.Value.MaxCount)
        {
            return Problem.Validation($"'count' must be between 1 and {options.Value.MaxCount}.");
        }

        if (!llm.IsConfigured)
        {
            return Problem.Unavailable(EvaluationErrorCodes.LlmNotConfigured,
                "Suite generation needs an LLM: set ConnectionStrings__chat-model.");
        }

        var owner = user.GetUserId();
        var suite = new Suite
        {
            Id = Guid.CreateVersion7(),
            Owner = owner,
            Name = string.IsNullOrWhiteSpace(request.Name) ? $"generated from {documents.Count} document(s)" : request.Name.Trim(),
            Description = request.Description,
            Status = SuiteStatus.Generating,
            Origin = "generated",
            CreatedAt = time.GetUtcNow(),
        };
        var job = new GenerationJobPayload(suite.Id, owner, documents, count);
        await db.AcceptOnceAsync(suite,
            s => scheduler.Stage(job, new EnqueueOptions(owner, s.Id.ToString(), options.Value.JobTimeout)),
            findExisting: null, cancellationToken);
        return TypedResults.Accepted($"/api/suites/{suite.Id}", View(suite, 0, null));
    }

    internal static async Task<Results<Ok<Page<SuiteView>>, ProblemHttpResult>> List(ClaimsPrincipal user, EvaluationDbContext db,
        CancellationToken cancellationToken, int limit = 50, string? cursor = null)
    {
        if (PageRules.Check(limit, EvaluationsApi.MaxPageSize, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var owner = user.GetUserId();
        var query = db.Suites.AsNoTracking().Where(s => s.Owner == owner && s.DeletedAt == null);
        if (after is { } last)
        {
            var (createdAt, id) = (last.At, last.Id);
            query = query.Where(s => s.CreatedAt < createdAt || (s.CreatedAt == createdAt && s.Id.CompareTo(id) < 0));
        }

        var rows = await query.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Take(limit + 1)
            .Select(s => new { Suite = s, Count = s.Cases.Count })
            .ToListAsync(cancellationToken);
        var items = rows.Take(limit).Select(r => View(r.Suite, r.Count, null)).ToList();
        var next = rows.Count > limit ? new PageCursor(rows[limit - 1].Suite.CreatedAt, rows[limit - 1].Suite.Id).Encode() : null;
        return TypedResults.Ok(new Page<SuiteView>(items, next));
    }

    internal static async Task<Results<Ok<SuiteView>, ProblemHttpResult>> Get(Guid id, ClaimsPrincipal user, EvaluationDbContext db,
        CancellationToken cancellationToken)
    {
        var suite = await FindAsync(db, id, user, cancellationToken);
        if (suite is null)
        {
            return Problem.NotFound("Suite");
        }

        var cases = await db.SuiteCases.AsNoTracking().Where(c => c.SuiteId == id).OrderBy(c => c.Ordinal).ToListAsync(cancellationToken);
        return TypedResults.Ok(View(suite, cases.Count, cases));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, ClaimsPrincipal user, EvaluationDbContext db,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        // why: soft delete: runs and their reports keep the questions of the suite they evaluated.
        var deleted = await db.Suites.Where(s => s.Id == id && s.DeletedAt == null && (s.Owner == owner || user.IsAdmin()))
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.DeletedAt, time.GetUtcNow()), cancellationToken);
        return deleted == 0 ? Problem.NotFound("Suite") : TypedResults.NoContent();
    }

    internal static Task<Suite?> FindAsync(EvaluationDbContext db, Guid id, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        var admin = user.IsAdmin();
        return db.Suites.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.DeletedAt == null && (s.Owner == owner || admin),
            cancellationToken);
    }

    private static async Task<Results<Created<SuiteView>, ProblemHttpResult>> SaveAsync(EvaluationDbContext db, ClaimsPrincipal user,
        string name, string? description, string origin, IReadOnlyList<CaseInput> inputs, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var suite = new Suite
        {
            Id = Guid.CreateVersion7(),
            Owner = user.GetUserId(),
            Name = name.Trim(),
            Description = description,
            Origin = origin,
            CreatedAt = time.GetUtcNow(),
        };
        suite.Cases = inputs.Select((c, i) => new SuiteCase
        {
            Id = Guid.CreateVersion7(),
            SuiteId = suite.Id,
            Ordinal = i,
            Question = c.Question!.Trim(),
            ExpectedAnswer = string.IsNullOrWhiteSpace(c.ExpectedAnswer) ? null : c.ExpectedAnswer.Trim(),
            ExpectedKeywords = c.ExpectedKeywords?.Select(k => k.Trim()).ToList() ?? [],
            ExpectedSources = c.ExpectedSources?.Select(k => k.Trim()).ToList() ?? [],
            Tags = c.Tags?.Select(k => k.Trim()).ToList() ?? [],
        }).ToList();
        db.Suites.Add(suite);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/suites/{suite.Id}", View(suite, suite.Cases.Count, suite.Cases));
    }

    private static string? FormatOf(string? contentType, string? fileName)
    {
        if (fileName is not null)
        {
            var extension = Path.GetExtension(fileName).ToLowerInvariant();
            if (extension is ".jsonl" or ".ndjson")
            {
                return "jsonl";
            }

            if (extension == ".csv")
            {
                return "csv";
            }
        }

        var media = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return media switch
        {
            "application/x-ndjson" or "application/jsonl" or "application/jsonlines" or "application/x-jsonlines" => "jsonl",
            "text/csv" or "application/csv" => "csv",
            _ => null,
        };
    }

    private static SuiteView View(Suite suite, int count, IReadOnlyList<SuiteCase>? cases) => new(
        suite.Id, suite.Name, suite.Description, suite.Status, suite.Origin, count, suite.CreatedAt,
        suite.GenerationReport is null ? null : JsonSerializer.Deserialize<JsonElement>(suite.GenerationReport),
        cases?.Select(c => new CaseView(c.Id, c.Ordinal, c.Question, c.ExpectedAnswer, c.ExpectedKeywords, c.ExpectedSources, c.Tags))
            .ToList());
}
