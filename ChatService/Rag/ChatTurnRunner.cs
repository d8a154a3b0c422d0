using System.Globalization;
using ChatService.Activity;
using ChatService.Data;
using ChatService.Llm;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDefaults.Problems;

namespace ChatService.Rag;

/// <summary>
/// One chat turn: validate → session → store the user message → hybrid retrieval → (cache | stream the LLM | degraded
/// answer from passages) → store the assistant message with citations, usage, timings and flags. Used by the chat API
/// (JSON and SSE), the OpenAI-compatible API and chat tasks. No DbContext connection is held while the LLM streams:
/// EF opens a pooled connection per command and returns it right after. An interactive turn (<see cref="StartAsync"/>)
/// stores its user message while retrieval runs and waits for that insert before the model is called.
/// </summary>
public sealed class ChatTurnRunner(
    ChatDbContext db,
    HybridRetriever retriever,
    LlmGenerator generator,
    AnswerCache answers,
    ActivityHub activity,
    ChatMetrics metrics,
    IOptions<RetrievalOptions> retrievalOptions,
    IOptions<LlmOptions> llmOptions,
    TimeProvider time,
    ILogger<ChatTurnRunner> logger,
    ExtractiveAnswer extractive,
    IServiceScopeFactory scopes)
{
    private static readonly TimeSpan PersistBudget = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Validates the question, resolves or creates the session and stores the user message before it returns, on this
    /// request's DbContext, so inside the caller's transaction when there is one (a chat task's acceptance).
    /// </summary>
    public Task<ChatTurn> PrepareAsync(string owner, ChatQuestion question, CancellationToken cancellationToken) =>
        PrepareAsync(owner, question, storeAlongside: false, cancellationToken);

    /// <summary>
    /// Like <see cref="PrepareAsync(string, ChatQuestion, CancellationToken)"/>, but the insert of the new session and the
    /// user message runs on a DbContext of its own while <see cref="AnswerAsync"/> retrieves (one round trip off the
    /// turn's critical path); <see cref="ChatTurn.QuestionStored"/> completes when it is committed, and AnswerAsync
    /// waits for it before the model is called or an answer is stored. Validation, the session's ownership check and the
    /// history still happen here, so a rejected question is still a 4xx before anything else.
    /// </summary>
    public Task<ChatTurn> StartAsync(string owner, ChatQuestion question, CancellationToken cancellationToken) =>
        PrepareAsync(owner, question, storeAlongside: true, cancellationToken);

    private async Task<ChatTurn> PrepareAsync(string owner, ChatQuestion question, bool storeAlongside,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var options = retrievalOptions.Value;
        var message = question.Message?.Trim();
        if (string.IsNullOrEmpty(message))
        {
            throw new ChatRejectedException(400, ChatErrorCodes.EmptyMessage, "Validation failed", "The message must not be empty.");
        }

        if (message.Length > options.MaxMessageChars)
        {
            throw new ChatRejectedException(400, ChatErrorCodes.MessageTooLong, "Validation failed",
                $"The message is longer than {options.MaxMessageChars} characters.");
        }

        var topK = question.TopK ?? options.DefaultTopK;
        if (topK < 1 || topK > options.MaxTopK)
        {
            throw new ChatRejectedException(400, ChatErrorCodes.TopKOutOfRange, "Validation failed",
                $"topK must be between 1 and {options.MaxTopK}.");
        }

        var documentIds = question.DocumentIds is { Count: > 0 } ids ? ids.Distinct().ToList() : null;
        if (documentIds is not null)
        {
            var owned = await db.Documents.AsNoTracking()
                .CountAsync(d => d.Owner == owner && documentIds.Contains(d.Id), cancellationToken);
            if (owned != documentIds.Count)
            {
                throw new ChatRejectedException(404, ChatErrorCodes.DocumentNotFound, "Document not found",
                    "One or more documentIds do not exist.");
            }
        }

        var now = time.GetUtcNow();
        List<Data.ChatMessage> history = [];
        Guid sessionId;
        ChatSession? newSession = null;
        if (question.SessionId is { } existing)
        {
            sessionId = existing;
            // why: one statement both checks that the session is the caller's and touches it: no tracked read, and the
            // message insert below stays a single statement that needs no transaction (BEGIN … COMMIT is a round trip)
            var touched = await db.Sessions.Where(s => s.Id == sessionId && s.Owner == owner)
                .ExecuteUpdateAsync(u => u.SetProperty(s => s.UpdatedAt, now), cancellationToken);
            if (touched == 0)
            {
                throw new ChatRejectedException(404, ChatErrorCodes.SessionNotFound, "Session not found");
            }

            if (options.HistoryMessages > 0)
            {
                history = await db.Messages.AsNoTracking()
                    .Where(m => m.SessionId == sessionId && m.Content != "")
                    .OrderByDescending(m => m.CreatedAt)
                    .Take(options.HistoryMessages)
                    .ToListAsync(cancellationToken);
            }
        }
        else
        {
            sessionId = Guid.CreateVersion7(now);
            newSession = new ChatSession { Id = sessionId, Owner = owner, Title = PromptBuilder.Snippet(message, 80),
                CreatedAt = now, UpdatedAt = now };
        }

        var userMessage = new Data.ChatMessage
        {
            Id = Guid.CreateVersion7(now),
            SessionId = sessionId,
            Owner = owner,
            Role = "user",
            Content = message,
            CreatedAt = now,
        };
        var turn = new ChatTurn(owner, sessionId, message, topK, documentIds, history, started, userMessage.Id);
        if (storeAlongside)
        {
            return turn with { QuestionStored = StoreQuestionOnOwnContextAsync(newSession, userMessage, cancellationToken) };
        }

        await SaveInOneBatchAsync(db, newSession, userMessage, cancellationToken);
        return turn;
    }

    /// <summary>The question's insert on a pooled DbContext of its own, so that retrieval can use the request's meanwhile.</summary>
    private async Task StoreQuestionOnOwnContextAsync(ChatSession? session, Data.ChatMessage message, CancellationToken cancellationToken)
    {
        // why: run the insert after PrepareAsync has returned, so retrieval starts at once
        await Task.Yield();
        await using var scope = scopes.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<ChatDbContext>();
        await SaveInOneBatchAsync(store, session, message, cancellationToken);
    }

    /// <summary>
    /// Saves a new session (if any) and the user message, one batch of at most two inserts, without EF's own
    /// BEGIN … COMMIT. Npgsql sends a batch as one pipeline ended by a single Sync, which PostgreSQL runs as one implicit
    /// transaction (a failing statement rolls the whole batch back), so the COMMIT round trip buys nothing here. Inside
    /// a caller's transaction (a chat task's acceptance) the batch joins it as before.
    /// </summary>
    private static async Task SaveInOneBatchAsync(ChatDbContext context, ChatSession? session, Data.ChatMessage message,
        CancellationToken cancellationToken)
    {
        if (session is not null)
        {
            context.Sessions.Add(session);
        }

        context.Messages.Add(message);
        var behavior = context.Database.AutoTransactionBehavior;
        context.Database.AutoTransactionBehavior = AutoTransactionBehavior.Never;
        try
        {
            await context.SaveChangesAsync(cancellationToken);
        }
        finally
        {
            context.Database.AutoTransactionBehavior = behavior;
        }
    }

    /// <summary>
    /// A turn that stores nothing (the OpenAI-compatible API without a session): the caller sends the conversation with
    /// every request, so <paramref name="history"/> is the request's earlier turns, oldest first.
    /// </summary>
    public ChatTurn Stateless(string owner, string question, IReadOnlyList<(string Role, string Content)> history)
    {
        var options = retrievalOptions.Value;
        if (question.Length > options.MaxMessageChars)
        {
            throw new ChatRejectedException(400, ChatErrorCodes.MessageTooLong, "Validation failed",
                $"The message is longer than {options.MaxMessageChars} characters.");
        }

        return new ChatTurn(owner, Guid.Empty, question, options.DefaultTopK, null, Transient(owner, history), time.GetTimestamp(),
            Guid.Empty)
        {
            Persist = false,
        };
    }

    /// <summary>Messages that exist only for this turn's prompt, in the given order.</summary>
    public IReadOnlyList<Data.ChatMessage> Transient(string owner, IReadOnlyList<(string Role, string Content)> history)
    {
        var start = time.GetUtcNow().AddSeconds(-history.Count);
        return history.Select((m, i) => new Data.ChatMessage
        {
            Owner = owner,
            Role = m.Role,
            Content = m.Content,
            CreatedAt = start.AddSeconds(i),
        }).ToList();
    }

    /// <summary>Rebuilds a turn whose user message was stored earlier (a chat task), or null when it no longer exists.</summary>
    public async Task<ChatTurn?> ResumeAsync(string owner, Guid sessionId, Guid userMessageId, int topK, IReadOnlyList<Guid>? documentIds,
        CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var userMessage = await db.Messages.AsNoTracking()
            .FirstOrDefaultAsync(m => m.Id == userMessageId && m.SessionId == sessionId && m.Owner == owner, cancellationToken);
        if (userMessage is null)
        {
            return null;
        }

        var history = retrievalOptions.Value.HistoryMessages == 0
            ? []
            : await db.Messages.AsNoTracking()
                .Where(m => m.SessionId == sessionId && m.CreatedAt < userMessage.CreatedAt && m.Content != "")
                .OrderByDescending(m => m.CreatedAt)
                .Take(retrievalOptions.Value.HistoryMessages)
                .ToListAsync(cancellationToken);
        return new ChatTurn(owner, sessionId, userMessage.Content, topK, documentIds, history, started, userMessageId);
    }

    /// <summary>
    /// Retrieves, generates (streaming tokens to <paramref name="onToken"/>) and stores the answer, within
    /// <paramref name="budget"/>. With <paramref name="allowDegraded"/> false, an unavailable LLM throws
    /// <see cref="LlmUnavailableException"/> instead. Cancelling <paramref name="cancellationToken"/> ends in
    /// <see cref="OperationCanceledException"/>, also while tokens stream.
    /// </summary>
    public async Task<ChatAnswer> AnswerAsync(ChatTurn turn, Func<string, CancellationToken, ValueTask> onToken, TurnBudget budget,
        bool allowDegraded, CancellationToken cancellationToken)
    {
        try
        {
            return await AnswerCoreAsync(turn, onToken, budget, allowDegraded, cancellationToken);
        }
        catch when (!turn.QuestionStored.IsCompletedSuccessfully)
        {
            // why: a turn that failed before it waited for its question's insert still waits for it (bounded by the
            // command timeout and the request's token), so no insert outlives the request unobserved
            try
            {
                await turn.QuestionStored;
            }
            catch (Exception ex)
            {
                logger.LogDebug(ex, "The question's insert failed too, after the turn had failed");
            }

            throw;
        }
    }

    private async Task<ChatAnswer> AnswerCoreAsync(ChatTurn turn, Func<string, CancellationToken, ValueTask> onToken,
        TurnBudget budget, bool allowDegraded, CancellationToken cancellationToken)
    {
        var options = retrievalOptions.Value;
        var retrievalStarted = time.GetTimestamp();
        // The vector branch (embed the question, query Chroma: the longest part of retrieval) starts first and runs while
        // the answer cache is looked up; a cached answer cancels it (disposing it) and, having been asked before, finds the
        // question's vector in the embedding cache anyway.
        await using var vectorSearch = retriever.StartVectorSearch(turn.Owner, turn.RetrievalQuery ?? turn.Question, turn.TopK,
            turn.DocumentIds, budget.Usable, cancellationToken);
        string? cacheKey = null;
        // why: an answer depends on the history, the caller's instructions and settings: only a bare question is cacheable
        if (answers.Enabled && turn.History.Count == 0 && turn.ClientInstructions is null && turn.Settings is null)
        {
            cacheKey = await answers.KeyAsync(turn.Owner, turn.Question, turn.TopK, turn.DocumentIds, cancellationToken);
            if (await answers.GetAsync(cacheKey, cancellationToken) is { } cached)
            {
                await vectorSearch.DisposeAsync();
                await turn.QuestionStored;
                await onToken(cached.Answer, cancellationToken);
                metrics.Answered("cached");
                var replay = new GenerationResult(cached.Answer, cached.PromptTokens, cached.CompletionTokens, 0, false, null, null);
                // why: StoreAsync bounds the write itself (persist timeout); a finished answer is stored even if the caller left
                return await StoreAsync(turn, cached.Answer, cached.Citations, replay, 0, false, cached: true, CancellationToken.None);
            }
        }

        var retrieval = await retriever.RetrieveWithAsync(vectorSearch, cancellationToken);
        var retrievalMs = (long)time.GetElapsedTime(retrievalStarted).TotalMilliseconds;
        // The question is stored before the model sees it and before the answer that follows it in the session.
        await turn.QuestionStored;
        var citations = retrieval.Passages
            .Select(p => new Citation(p.DocumentId, p.Title, p.ChunkId, p.Page,
                PromptBuilder.Snippet(p.Match ?? p.Text, options.SnippetChars),
                Math.Round(p.Score, 5), p.Similarity is { } s ? Math.Round(s, 4) : null, Math.Round(p.Coverage, 3)))
            .ToList();
        await activity.PublishAsync(turn.Owner, "retrieval", new Dictionary<string, string?>
        {
            ["sessionId"] = turn.SessionId.ToString(),
            ["passages"] = retrieval.Passages.Count.ToString(CultureInfo.InvariantCulture),
            ["vectorSearch"] = retrieval.VectorSearchUsed ? "used" : "unavailable",
            ["retrievalMs"] = retrievalMs.ToString(CultureInfo.InvariantCulture),
        }, cancellationToken);

        IReadOnlyList<Microsoft.Extensions.AI.ChatMessage> prompt;
        using (var span = ChatTelemetry.Source.StartActivity("rag.prompt"))
        {
            prompt = PromptBuilder.Build(retrieval.Passages, turn.History, options.HistoryTokenBudget, turn.Question,
                turn.ClientInstructions);
            span?.SetTag("rag.passages", retrieval.Passages.Count).SetTag("rag.history_messages", turn.History.Count)
                .SetTag("rag.prompt_messages", prompt.Count);
        }

        await activity.PublishAsync(turn.Owner, "generation_started",
            new Dictionary<string, string?> { ["sessionId"] = turn.SessionId.ToString() }, cancellationToken);
        GenerationResult result;
        var generationStarted = time.GetTimestamp();
        try
        {
            result = await generator.GenerateAsync(prompt, onToken, budget.Generation(), cancellationToken, budget.EndEarly, turn.Settings);
        }
        catch (LlmUnavailableException ex) when (allowDegraded && llmOptions.Value.DegradeWhenUnavailable)
        {
            metrics.Generated(time.GetElapsedTime(generationStarted), null, "unavailable");
            return await AnswerDegradedAsync(turn, retrieval, citations, retrievalMs, ex, onToken, budget.FallbackReserve);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            metrics.Answered("cancelled");
            throw;
        }
        catch (LlmUnavailableException)
        {
            metrics.Answered("unavailable");
            throw;
        }

        var outcome = result.Partial ? "partial" : "complete";
        metrics.Generated(time.GetElapsedTime(generationStarted), result.FirstTokenMs, outcome);
        // why: StoreAsync bounds the write itself (persist timeout); a finished answer is stored even if the caller left
        var answer = await StoreAsync(turn, result.Text, citations, result, retrievalMs, false, cached: false, CancellationToken.None);
        metrics.Answered(outcome);
        // why: the answer is stored; the (bounded, best-effort) notice must go out even if the caller left
        await PublishFinishedAsync(turn, answer, outcome, CancellationToken.None);
        if (cacheKey is not null && !result.Partial)
        {
            var entry = new CachedAnswer(result.Text, citations, result.PromptTokens ?? 0, result.CompletionTokens ?? 0);
            // why: best-effort cache write bounded by the Redis timeouts; an outage is a miss
            await answers.SetAsync(cacheKey, entry, CancellationToken.None);
        }

        return answer;
    }

    /// <summary>
    /// The answer when the LLM is unavailable: the retrieved passages, flagged degraded. The request's token is about to
    /// fire (the generation used the budget up to the reserve), so this runs on its own token bounded by the reserve.
    /// </summary>
    private async Task<ChatAnswer> AnswerDegradedAsync(ChatTurn turn, RetrievalResult retrieval, IReadOnlyList<Citation> citations,
        long retrievalMs, LlmUnavailableException unavailable, Func<string, CancellationToken, ValueTask> onToken, TimeSpan reserve)
    {
        using var fallback = new CancellationTokenSource(reserve, time);
        logger.LogWarning("LLM unavailable ({Code}); answering from {Passages} passages", unavailable.Code, retrieval.Passages.Count);
        // why: ranking the sentences by vectors gets at most half the reserve; the rest stores and returns the answer
        var extract = await extractive.BuildAsync(turn.RetrievalQuery ?? turn.Question, retrieval, retrievalOptions.Value.SnippetChars,
            reserve / 2, fallback.Token);
        var text = extract.Text;
        await onToken(text, fallback.Token);
        var result = new GenerationResult(text, null, null, null, false, unavailable.Code, unavailable.Message);
        var answer = await StoreAsync(turn, text, citations, result, retrievalMs, degraded: true, cached: false, fallback.Token);
        metrics.Answered("degraded");
        await PublishFinishedAsync(turn, answer, "degraded", fallback.Token);
        return answer;
    }

    private async Task PublishFinishedAsync(ChatTurn turn, ChatAnswer answer, string outcome, CancellationToken cancellationToken)
    {
        try
        {
            await activity.PublishAsync(turn.Owner, "generation_finished", new Dictionary<string, string?>
            {
                ["sessionId"] = turn.SessionId.ToString(),
                ["messageId"] = answer.MessageId.ToString(),
                ["outcome"] = outcome,
            }, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // why: the answer is stored and due to the caller; a notice that does not fit the fallback reserve is dropped, not waited for
            logger.LogDebug("Activity notice generation_finished dropped: the fallback reserve ran out");
        }
    }

    /// <summary>
    /// Stores the assistant message within <see cref="PersistBudget"/> and <paramref name="bound"/>. The answer is stored
    /// even when the client has gone (it was generated, and a partial one must be recorded as such), so the request's
    /// token is deliberately not used here.
    /// </summary>
    private async Task<ChatAnswer> StoreAsync(ChatTurn turn, string text, IReadOnlyList<Citation> citations, GenerationResult result,
        long retrievalMs, bool degraded, bool cached, CancellationToken bound)
    {
        var now = time.GetUtcNow();
        var totalMs = (long)time.GetElapsedTime(turn.StartedTimestamp).TotalMilliseconds;
        var message = new Data.ChatMessage
        {
            Id = Guid.CreateVersion7(now),
            SessionId = turn.SessionId,
            Owner = turn.Owner,
            Role = "assistant",
            Content = text,
            Citations = citations.ToList(),
            PromptTokens = result.PromptTokens,
            CompletionTokens = result.CompletionTokens,
            RetrievalMs = retrievalMs,
            FirstTokenMs = result.FirstTokenMs,
            TotalMs = totalMs,
            Degraded = degraded,
            Partial = result.Partial,
            Error = result.ErrorMessage is { } error ? PromptBuilder.Snippet(error, 900) : null,
            CreatedAt = now,
        };
        if (turn.Persist)
        {
            db.Messages.Add(message);
            turn.OnStoring?.Invoke(message);
            using var persist = new CancellationTokenSource(PersistBudget, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(persist.Token, bound);
            await db.SaveChangesAsync(linked.Token);
        }

        return new ChatAnswer(turn.SessionId, message.Id, text, citations, degraded, result.Partial,
            new ChatUsage(result.PromptTokens ?? 0, result.CompletionTokens ?? 0),
            new ChatTimings(retrievalMs, result.FirstTokenMs, totalMs),
            result.Partial ? result.ErrorCode ?? ErrorCodes.LlmUnavailable : degraded ? result.ErrorCode : null,
            cached);
    }
}
