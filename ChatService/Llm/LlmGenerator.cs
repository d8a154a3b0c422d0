using System.Diagnostics;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using ServiceDefaults.Problems;
using ServiceDefaults.Resilience;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace ChatService.Llm;

/// <summary>
/// Streams a completion from Ollama under the budgets of <see cref="LlmOptions"/>: first-token and idle-between-chunks
/// watchdogs, a total cap, retries only before the first token, and the <c>ollama</c> circuit breaker.
/// Streaming is used even when the caller wants one JSON answer, because only a stream lets those bounds work.
/// </summary>
public sealed class LlmGenerator
{
    public const string BreakerName = "ollama";

    private readonly LlmModels _models;
    private readonly LlmOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<LlmGenerator> _logger;
    private readonly ResiliencePipeline _pipeline;

    public LlmGenerator(LlmModels models, IOptions<LlmOptions> options, CircuitBreakerRegistry breakers, TimeProvider time,
        ILogger<LlmGenerator> logger)
    {
        _models = models;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var builder = new ResiliencePipelineBuilder { TimeProvider = time };
        if (_options.RetriesBeforeFirstToken > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.RetriesBeforeFirstToken,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                ShouldHandle = new PredicateBuilder().Handle<LlmAttemptException>(e => !e.AfterFirstToken),
            });
        }

        breakers.AddNamedCircuitBreaker(builder, BreakerName, _options.Breaker, new CircuitBreakerStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<LlmAttemptException>(),
        });
        _pipeline = builder.Build();
    }

    /// <summary>
    /// Streams the answer to <paramref name="onToken"/>. Throws <see cref="LlmUnavailableException"/> when no token
    /// was produced (also when <paramref name="totalBudget"/> runs out first); returns a
    /// <see cref="GenerationResult.Partial"/> result when the stream failed or ran out of budget after tokens.
    /// Cancelling <paramref name="cancellationToken"/> (client gone, task cancelled or timed out, shutdown) cancels the
    /// request to Ollama and always ends in <see cref="OperationCanceledException"/>, never in a partial result.
    /// <paramref name="endEarly"/> (the service stopping) ends the generation the way the total budget does.
    /// </summary>
    public async Task<GenerationResult> GenerateAsync(IReadOnlyList<AiMessage> prompt, Func<string, CancellationToken, ValueTask> onToken,
        TimeSpan totalBudget, CancellationToken cancellationToken, CancellationToken endEarly = default,
        GenerationSettings? settings = null)
    {
        if (_models.Chat is not { } chat)
        {
            throw new LlmUnavailableException(ErrorCodes.LlmUnavailable, "No chat model is configured (ConnectionStrings__chat-model).");
        }

        if (totalBudget <= TimeSpan.Zero)
        {
            throw new LlmUnavailableException(ErrorCodes.LlmTimeout, "No time was left for the LLM within the request budget.");
        }

        var started = _time.GetTimestamp();
        var state = new StreamState();
        using var total = new CancellationTokenSource(totalBudget, _time);
        using var stopping = endEarly.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), total);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(total.Token, cancellationToken);
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = settings?.MaxTokens is { } max && max < _options.NumPredict ? max : _options.NumPredict,
            Temperature = settings?.Temperature,
            TopP = settings?.TopP,
            StopSequences = settings?.Stop?.ToList(),
            Seed = settings?.Seed,
        };
        try
        {
            await _pipeline.ExecuteAsync(
                async ct => await StreamOnceAsync(chat, prompt, chatOptions, onToken, state, started, totalBudget, ct),
                linked.Token);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException ex) when (total.IsCancellationRequested && endEarly.IsCancellationRequested)
        {
            if (state.Text.Length > 0)
            {
                return state.ToResult(partial: true, ErrorCodes.LlmUnavailable, "The service is stopping; the generation was ended early.");
            }

            throw new LlmUnavailableException(ErrorCodes.LlmUnavailable, "The service is stopping; the generation was ended early.", ex);
        }
        catch (OperationCanceledException ex) when (total.IsCancellationRequested)
        {
            if (state.Text.Length > 0)
            {
                return state.ToResult(partial: true, ErrorCodes.LlmTimeout, "The generation exceeded its total budget.");
            }

            throw new LlmUnavailableException(ErrorCodes.LlmTimeout, "The LLM produced no token within the request budget.", ex);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            // A failure that surfaced while the caller was cancelling is the cancellation, not an LLM fault: it must not
            // become a partial answer (a cancelled chat task would otherwise end "succeeded").
            throw new OperationCanceledException("The generation was cancelled by its caller.", ex, cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            throw new LlmUnavailableException(ErrorCodes.CircuitOpen, "The ollama circuit breaker is open.", ex);
        }
        catch (LlmAttemptException ex) when (ex.AfterFirstToken)
        {
            _logger.LogWarning("LLM stream failed after {Characters} characters: {Error}", state.Text.Length, ex.Message);
            return state.ToResult(partial: true, ex.Code, ex.Message);
        }
        catch (LlmAttemptException ex)
        {
            throw new LlmUnavailableException(ex.Code, ex.Message, ex.InnerException);
        }

        return state.ToResult(partial: false, null, null);
    }

    private async Task StreamOnceAsync(IChatClient chat, IReadOnlyList<AiMessage> prompt, ChatOptions chatOptions,
        Func<string, CancellationToken, ValueTask> onToken, StreamState state, long started, TimeSpan totalBudget,
        CancellationToken cancellationToken)
    {
        // Every bound here is a timer on the token passed to the client, and that token reaches the socket reads
        // (BoundReadsChatClient + ReadWatchdogHandler): when one fires, the blocked read ends and the connection closes.
        // The watchdog is re-armed on every chunk: first the time-to-first-token, then the idle bound. When what is left of
        // the total budget (already clamped to the request's remaining budget) is shorter than the first-token bound, the
        // total budget alone ends the wait: running out of the caller's time is not an Ollama fault the breaker should count.
        cancellationToken.ThrowIfCancellationRequested();
        var left = totalBudget - _time.GetElapsedTime(started);
        // why: infinite only when the (shorter) total budget on cancellationToken already bounds the wait
        using var watchdog = new CancellationTokenSource(
            left < _options.FirstTokenTimeout ? Timeout.InfiniteTimeSpan : _options.FirstTokenTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, watchdog.Token);
        var finished = false;
        try
        {
            await foreach (var update in chat.GetStreamingResponseAsync(prompt, chatOptions, linked.Token).WithCancellation(linked.Token))
            {
                watchdog.CancelAfter(_options.IdleTimeout);
                foreach (var usage in update.Contents.OfType<UsageContent>())
                {
                    state.PromptTokens = (int?)usage.Details.InputTokenCount ?? state.PromptTokens;
                    state.CompletionTokens = (int?)usage.Details.OutputTokenCount ?? state.CompletionTokens;
                }

                var text = update.Text;
                if (!string.IsNullOrEmpty(text))
                {
                    state.FirstTokenMs ??= (long)_time.GetElapsedTime(started).TotalMilliseconds;
                    state.Text.Append(text);
                    await onToken(text, cancellationToken);
                }

                finished |= update.FinishReason is not null;
            }
        }
        catch (Exception ex) when (ex is not LlmAttemptException && watchdog.IsCancellationRequested
            && !cancellationToken.IsCancellationRequested)
        {
            // The watchdog's timer fired while the read was blocked: the bound token cancelled the read and closed the
            // connection to Ollama (BoundReadsChatClient + ReadWatchdogHandler), whatever exception the client made of it.
            var afterFirst = state.Text.Length > 0;
            throw new LlmAttemptException(ErrorCodes.LlmTimeout, afterFirst,
                afterFirst ? "The LLM stream stalled between chunks." : "The LLM produced no first token in time.", ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not LlmAttemptException
            && cancellationToken.IsCancellationRequested)
        {
            // Cancelling a streaming HTTP response can surface as an I/O error: it is still the cancellation.
            throw new OperationCanceledException("The LLM call was cancelled.", ex, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not LlmAttemptException)
        {
            throw new LlmAttemptException(ErrorCodes.LlmUnavailable, state.Text.Length > 0, $"The LLM call failed: {ex.GetType().Name}.",
                ex);
        }

        // A stream that ended quietly because it was cancelled is the cancellation, not a stream without a final line.
        cancellationToken.ThrowIfCancellationRequested();
        if (!finished)
        {
            // OllamaSharp ends the enumeration quietly on an in-stream {"error"} line or a cut stream: no done line = failure.
            throw new LlmAttemptException(ErrorCodes.LlmUnavailable, state.Text.Length > 0, "The LLM stream ended without a final line.");
        }
    }

    private sealed class StreamState
    {
        public System.Text.StringBuilder Text { get; } = new();

        public int? PromptTokens { get; set; }

        public int? CompletionTokens { get; set; }

        public long? FirstTokenMs { get; set; }

        public GenerationResult ToResult(bool partial, string? code, string? message) =>
            new(Text.ToString(), PromptTokens, CompletionTokens, FirstTokenMs, partial, code, message);
    }
}
