using System.Text.Json;
using DurableJobs;
using EvaluationService.Chat;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Scoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EvaluationService.Suites;

/// <summary>
/// Builds a suite of grounded questions (queue <c>suite-generation</c>): for each chunk of the given documents the LLM
/// proposes a question, a short answer and a verbatim quote; proposals whose quote is not in the chunk are discarded.
/// Chunks come from ChatService (<see cref="ChatServiceClient.GetChunksAsync"/>).
/// </summary>
public sealed class SuiteGenerationHandler(
    EvaluationDbContext db,
    ChatServiceClient chat,
    EvaluationLlm llm,
    IOptions<GenerationOptions> options,
    IOptions<ChatServiceOptions> chatOptions,
    ILogger<SuiteGenerationHandler> logger) : IJobHandler<GenerationJobPayload>
{
    public async Task<object?> HandleAsync(GenerationJobPayload payload, JobContext job, CancellationToken cancellationToken)
    {
        var suite = await db.Suites.Include(s => s.Cases).FirstOrDefaultAsync(s => s.Id == payload.SuiteId, cancellationToken)
                    ?? throw new PermanentJobException("SUITE_NOT_FOUND", $"Suite {payload.SuiteId} does not exist.");
        if (suite.Status != SuiteStatus.Generating)
        {
            return new { suite.Status };
        }

        if (llm.Client is not { } client)
        {
            await FailAsync(suite, "No LLM is configured (ConnectionStrings__chat-model).", cancellationToken);
            throw new PermanentJobException("LLM_UNAVAILABLE", "No LLM is configured for suite generation.");
        }

        try
        {
            return await GenerateAsync(client, suite, payload, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not PermanentJobException && job.Attempt >= job.MaxAttempts)
        {
            // why: the last attempt failed: the suite must not stay "generating" forever.
            // why: a single UPDATE under the 15 s command timeout
            await FailAsync(suite, $"Generation failed: {ex.Message}", CancellationToken.None);
            throw;
        }
    }

    private async Task<GenerationReport> GenerateAsync(IChatClient client, Suite suite, GenerationJobPayload payload,
        CancellationToken cancellationToken)
    {
        var perDocument = new List<IReadOnlyList<ChatDocumentChunk>>();
        var errors = new List<string>();
        var maxChunks = (int)Math.Min(options.Value.MaxChunksPerDocument, (long)payload.Count * options.Value.CandidatesPerCase);
        foreach (var documentId in payload.DocumentIds)
        {
            try
            {
                perDocument.Add(await chat.GetChunksAsync(documentId, payload.Owner, maxChunks,
                    chatOptions.Value.DocumentTimeout, cancellationToken));
            }
            catch (ChatServiceException ex) when (ex.StatusCode is 404 or 403)
            {
                errors.Add($"document {documentId}: {ex.Message}");
            }
        }

        // why: round-robin over the documents, so the cases cover every document instead of the first one's opening chunks.
        var chunks = Enumerable.Range(0, perDocument.Count == 0 ? 0 : perDocument.Max(d => d.Count))
            .SelectMany(i => perDocument.Where(d => i < d.Count).Select(d => d[i]))
            .ToList();

        int proposed = 0, quoteMissing = 0, invalid = 0, llmErrors = 0;
        var accepted = new List<SuiteCase>();
        foreach (var chunk in chunks)
        {
            if (accepted.Count >= payload.Count)
            {
                break;
            }

            proposed++;
            var proposal = await ProposeAsync(client, chunk, errors, cancellationToken);
            if (proposal is null)
            {
                llmErrors++;
            }
            else if (string.IsNullOrWhiteSpace(proposal.Question) || string.IsNullOrWhiteSpace(proposal.Answer))
            {
                invalid++;
            }
            else if (!QuoteMatcher.IsInChunk(proposal.Quote, chunk.Text))
            {
                quoteMissing++;
            }
            else
            {
                accepted.Add(new SuiteCase
                {
                    Id = Guid.CreateVersion7(),
                    SuiteId = suite.Id,
                    Ordinal = accepted.Count,
                    Question = proposal.Question.Trim(),
                    ExpectedAnswer = proposal.Answer.Trim(),
                    ExpectedSources = [chunk.DocumentId],
                    Tags = ["generated"],
                });
            }
        }

        var report = new GenerationReport(chunks.Count, proposed, accepted.Count, quoteMissing, invalid, llmErrors,
            errors.Take(20).ToList());
        // why: the cases carry their ids already; added through the navigation EF would take them for existing rows (UPDATE → 0 rows).
        db.SuiteCases.AddRange(accepted);
        suite.Status = accepted.Count > 0 ? SuiteStatus.Ready : SuiteStatus.Failed;
        suite.GenerationReport = JsonSerializer.Serialize(report, JsonSerializerOptions.Web);
        await db.SaveChangesAsync(cancellationToken);
        logger.LogInformation("Generated suite {SuiteId}: {Accepted} of {Proposed} proposals kept", suite.Id, accepted.Count, proposed);
        return report;
    }

    private async Task<GeneratedCase?> ProposeAsync(IChatClient client, ChatDocumentChunk chunk, List<string> errors,
        CancellationToken cancellationToken)
    {
        var text = chunk.Text.Length <= options.Value.MaxChunkChars ? chunk.Text : chunk.Text[..options.Value.MaxChunkChars];
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(llm.Timeout);
        try
        {
            var response = await client.GetResponseAsync(
                [
                    new ChatMessage(ChatRole.System,
                        "You write test questions for a document Q&A system. Reply with JSON only: {\"question\": \"...\", \"answer\": " +
                        "\"...\", \"quote\": \"...\"}. " +
                        "The question must be answerable from the passage alone; the answer is short; the quote is copied verbatim from " +
                        "the passage and supports the answer."),
                    new ChatMessage(ChatRole.User, $"Passage from \"{chunk.Title ?? chunk.DocumentId}\":\n{text}"),
                ],
                new ChatOptions { Temperature = 0, MaxOutputTokens = llm.MaxOutputTokens, ModelId = llm.Model,
                    ResponseFormat = ChatResponseFormat.Json },
                timeout.Token);
            var json = response.Text;
            var start = json.IndexOf('{', StringComparison.Ordinal);
            var end = json.LastIndexOf('}');
            return start >= 0 && end > start
                ? JsonSerializer.Deserialize<GeneratedCase>(json[start..(end + 1)], JsonSerializerOptions.Web)
                    ?? new GeneratedCase(null, null, null)
                : new GeneratedCase(null, null, null);
        }
        catch (JsonException)
        {
            return new GeneratedCase(null, null, null);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // TimeoutException: the client's per-read idle bound (ReadWatchdogHandler) closed a stalled answer
            errors.Add($"chunk {chunk.ChunkId}: LLM timed out");
            return null;
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or BrokenCircuitException
                                       or TimeoutRejectedException)
        {
            errors.Add($"chunk {chunk.ChunkId}: {ex.Message}");
            return null;
        }
    }

    private async Task FailAsync(Suite suite, string error, CancellationToken cancellationToken)
    {
        // why: a direct UPDATE, so whatever the failed attempt left in the change tracker cannot make this write fail too.
        db.ChangeTracker.Clear();
        var report = JsonSerializer.Serialize(new GenerationReport(0, 0, 0, 0, 0, 0, [error]), JsonSerializerOptions.Web);
        await db.Suites.Where(s => s.Id == suite.Id)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.Status, SuiteStatus.Failed).SetProperty(s => s.GenerationReport, report),
                cancellationToken);
    }
}
