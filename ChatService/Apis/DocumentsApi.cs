using System.Security.Claims;
using System.Security.Cryptography;
using ChatService.Apis.Contracts;
using ChatService.Apis.Paging;
using ChatService.Data;
using ChatService.Ingestion;
using ChatService.Rag;
using DurableJobs;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDefaults.Auth;
using ServiceDefaults.Paging;
using ServiceDefaults.OpenApi;
using ServiceDefaults.Problems;
using ServiceDefaults.Validation;

namespace ChatService.Apis;

public static class DocumentsApi
{
    public static IEndpointRouteBuilder MapDocumentsApi(this IEndpointRouteBuilder app, long maxUploadBytes)
    {
        var group = app.MapGroup("/api/documents").WithTags("Documents");
        group.MapPost("/", Upload)
            .DisableAntiforgery()
            .WithUploadBody("The document: .txt, .md, .pdf or .csv.",
                new Dictionary<string, string> { ["title"] = "Optional title (at most 300 characters)." })
            // why: the service default body limit is 1 MiB; uploads get their own (plus room for multipart framing).
            .WithMetadata(new RequestSizeLimitAttribute(maxUploadBytes + 64 * 1024))
            .RequireRateLimiting(ChatRateLimits.Uploads);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapGet("/{id:guid}/chunks", Chunks);
        group.MapDelete("/{id:guid}", Delete);
        return app;
    }

    private static async Task<Results<Accepted<DocumentView>, Ok<DocumentView>, ProblemHttpResult>> Upload(
        HttpRequest request, ClaimsPrincipal user, [AsParameters] DocumentsServices services, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return Problem.Of(415, ErrorCodes.UnsupportedMediaType, "Unsupported media type",
                "Send multipart/form-data with a 'file' part.");
        }

        var form = await request.ReadFormAsync(cancellationToken);
        if (form.Files.GetFile("file") is not { } file)
        {
            return Problem.Validation("The multipart 'file' part is missing.");
        }

        if (DocumentKinds.FromFileName(file.FileName) is not { } kind)
        {
            return Problem.Of(415, ChatErrorCodes.UnsupportedFileType, "Unsupported file type", "Accepted: .txt, .md, .pdf, .csv.");
        }

        if (file.Length > services.Options.Value.MaxUploadBytes)
        {
            return Problem.Of(413, ChatErrorCodes.FileTooLarge, "File too large",
                $"The limit is {services.Options.Value.MaxUploadBytes} bytes.");
        }

        if (file.Length == 0)
        {
            return Problem.Of(400, ChatErrorCodes.EmptyFile, "Validation failed", "The file is empty.");
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, cancellationToken);
        }

        // The bytes must be what the name claims (a NUL byte in text would also be refused by PostgreSQL): refused here rather
        // than accepted as a job that fails, or handed to a parser meant for another format.
        if (DocumentKinds.SignatureMismatch(kind, bytes) is { } mismatch)
        {
            return Problem.Of(415, ChatErrorCodes.ContentMismatch, "File content does not match its type", mismatch);
        }

        var owner = user.GetUserId();
        var hash = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();
        if (await services.Db.Documents.AsNoTracking().FirstOrDefaultAsync(d => d.Owner == owner && d.ContentHash == hash,
            cancellationToken) is { } existing)
        {
            return Existing(request, existing);
        }

        var now = services.Time.GetUtcNow();
        var title = form["title"].ToString();
        var document = new Document
        {
            Id = Guid.CreateVersion7(now),
            Owner = owner,
            Title = string.IsNullOrWhiteSpace(title) ? Path.GetFileName(file.FileName) : title.Trim()[..Math.Min(title.Trim().Length, 300)],
            FileName = Path.GetFileName(file.FileName)[..Math.Min(Path.GetFileName(file.FileName).Length, 300)],
            Kind = kind,
            ContentHash = hash,
            SizeBytes = bytes.Length,
            Status = DocumentStatus.Queued,
            CreatedAt = now,
            UpdatedAt = now,
            Content = new DocumentContent { Bytes = bytes },
        };

        try
        {
            // Accepting = persisting: the document row and its ingestion job commit together.
            await using var transaction = await services.Db.Database.BeginTransactionAsync(cancellationToken);
            services.Db.Documents.Add(document);
            await services.Db.SaveChangesAsync(cancellationToken);
            await services.Jobs.EnqueueAsync(new IngestionJobPayload(document.Id), new EnqueueOptions(
                Owner: owner,
                IdempotencyKey: $"ingest:{document.Id:N}",
                Timeout: services.Options.Value.JobTimeout,
                MaxAttempts: services.Options.Value.MaxAttempts), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent upload of the same content won the race: answer with its document.
            services.Db.ChangeTracker.Clear();
            var winner = await services.Db.Documents.AsNoTracking()
                .FirstAsync(d => d.Owner == owner && d.ContentHash == hash, cancellationToken);
            return Existing(request, winner);
        }

        services.Logger.LogInformation("Document {DocumentId} accepted ({Kind}, {Bytes} bytes)", document.Id, kind, bytes.Length);
        return TypedResults.Accepted($"/api/documents/{document.Id}", DocumentView.From(document));
    }

    private static Ok<DocumentView> Existing(HttpRequest request, Document existing)
    {
        request.HttpContext.Response.Headers.Location = $"/api/documents/{existing.Id}";
        return TypedResults.Ok(DocumentView.From(existing));
    }

    private static async Task<Results<Ok<Page<DocumentView>>, ProblemHttpResult>> List(
        int? limit, string? cursor, ClaimsPrincipal user, ChatDbContext db, CancellationToken cancellationToken)
    {
        if (ChatPaging.Check(limit, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var owner = user.GetUserId();
        var take = limit ?? ChatPaging.DefaultLimit;
        var (items, next) = await KeysetPage.ReadAsync(db.Documents.AsNoTracking().Where(d => d.Owner == owner), after, take,
            newestFirst: true, cancellationToken);
        return TypedResults.Ok(new Page<DocumentView>(items.Select(DocumentView.From).ToList(), next));
    }

    private static async Task<Results<Ok<DocumentView>, ProblemHttpResult>> Get(
        Guid id, ClaimsPrincipal user, ChatDbContext db, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        var document = await db.Documents.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.Owner == owner, cancellationToken);
        return document is null ? NotFound() : TypedResults.Ok(DocumentView.From(document));
    }

    /// <summary>The chunks of the caller's document in document order, keyset-paged by ordinal (used by EvaluationService's suite
    /// generation).</summary>
    private static async Task<Results<Ok<Page<DocumentChunkView>>, ProblemHttpResult>> Chunks(
        Guid id, int? limit, string? cursor, ClaimsPrincipal user, ChatDbContext db, CancellationToken cancellationToken)
    {
        if (PageRules.CheckNumber(limit, ChatPaging.MaxLimit, cursor, out var after) is { } problem)
        {
            return problem;
        }

        var owner = user.GetUserId();
        if (!await db.Documents.AsNoTracking().AnyAsync(d => d.Id == id && d.Owner == owner, cancellationToken))
        {
            return NotFound();
        }

        var take = limit ?? ChatPaging.DefaultLimit;
        var query = db.Chunks.AsNoTracking().Where(c => c.DocumentId == id && c.Owner == owner);
        if (after is { } lastOrdinal)
        {
            query = query.Where(c => c.Ordinal > lastOrdinal);
        }

        var items = await query.OrderBy(c => c.Ordinal).Take(take + 1)
            .Select(c => new DocumentChunkView(c.Id, c.Ordinal, c.Text, c.Page, c.Heading))
            .ToListAsync(cancellationToken);
        var next = items.Count > take ? PageCursor.EncodeNumber(items[take - 1].Index) : null;
        return TypedResults.Ok(new Page<DocumentChunkView>(items.Take(take).ToList(), next));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(
        Guid id, ClaimsPrincipal user, [AsParameters] DocumentsServices services, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        var document = await services.Db.Documents.AsNoTracking()
            .FirstOrDefaultAsync(d => d.Id == id && d.Owner == owner, cancellationToken);
        if (document is null)
        {
            return NotFound();
        }

        await services.Db.Documents.Where(d => d.Id == id && d.Owner == owner).ExecuteDeleteAsync(cancellationToken);
        if (Llm.EmbeddingSpace.TryParse(document.EmbeddingModel) is { } space)
        {
            try
            {
                await services.Chroma.DeleteDocumentAsync(space, id, cancellationToken);
            }
            catch (Exception ex) when (ex is Chroma.ChromaUnavailableException or HttpRequestException
                                           or Polly.CircuitBreaker.BrokenCircuitException or Polly.Timeout.TimeoutRejectedException)
            {
                // Orphan vectors are harmless: retrieval only returns chunks whose rows still exist for the owner.
                services.Logger.LogWarning("Vectors of deleted document {DocumentId} stay in Chroma: {Error}", id, ex.Message);
            }
        }

        return TypedResults.NoContent();
    }

    private static ProblemHttpResult NotFound() =>
        Problem.Of(404, ChatErrorCodes.DocumentNotFound, "Document not found");
}
