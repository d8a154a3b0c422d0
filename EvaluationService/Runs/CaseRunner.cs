using System.Text.Json;
using EvaluationService.Chat;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Scoring;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EvaluationService.Runs;

/// <summary>
/// Asks ChatService one case within the case's budget, scores the answer and hands the result to the run's
/// <see cref="CaseResultWriter"/>, which stores it (the case's slot is free for the next case meanwhile).
/// Errors and timeouts of ChatService become <c>system_error</c>/<c>timed_out</c>; a cancelled run propagates
/// (the unfinished case is not stored and a resumed run asks it again).
/// </summary>
public sealed class CaseRunner(
    ChatServiceClient chat,
    LlmJudge judge,
    SemanticScorer semantic,
    IOptions<EvaluationOptions> options,
    IOptions<ScoringOptions> scoringOptions,
    IOptions<ChatServiceOptions> chatOptions,
    TimeProvider time)
{
    // why: the pipeline's timeout fires at the case budget; this backstop only covers time spent outside the pipeline.
    private static readonly TimeSpan BackstopSlack = TimeSpan.FromSeconds(2);

    public async ValueTask RunAsync(RunContext run, SuiteCase testCase, int repetition, CaseResultWriter results,
        CancellationToken runToken)
    {
        var result = new CaseResult
        {
            Id = Guid.CreateVersion7(),
            RunId = run.RunId,
            CaseId = testCase.Id,
            Repetition = repetition,
            Outcome = CaseOutcome.SystemError,
        };

        using var caseBudget = CancellationTokenSource.CreateLinkedTokenSource(runToken);
        caseBudget.CancelAfter(run.CaseTimeout + BackstopSlack);
        var started = time.GetTimestamp();
        ChatResponse? response = null;
        try
        {
            response = await chat.AskAsync(new ChatRequest(testCase.Question, TopK: chatOptions.Value.TopK), run.Owner, run.CaseTimeout,
                caseBudget.Token);
        }
        catch (OperationCanceledException) when (runToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is TimeoutRejectedException or OperationCanceledException)
        {
            Fail(result, CaseOutcome.TimedOut, "CASE_TIMEOUT", $"ChatService did not answer within {run.CaseTimeout.TotalSeconds:0.#} s.");
        }
        catch (BrokenCircuitException)
        {
            Fail(result, CaseOutcome.SystemError, "CIRCUIT_OPEN", "The chatservice circuit breaker is open; the case was not sent.");
        }
        catch (HttpRequestException ex)
        {
            Fail(result, CaseOutcome.SystemError, "CHAT_UNREACHABLE", ex.Message);
        }
        catch (ChatServiceException ex)
        {
            Fail(result, CaseOutcome.SystemError, ex.Code, ex.Message);
        }

        result.LatencyMs = time.GetElapsedTime(started).TotalMilliseconds;
        if (response is not null)
        {
            await ScoreAsync(result, testCase, response, runToken);
        }

        result.FinishedAt = time.GetUtcNow();
        // why: not tied to the run token: a case that finished is kept even when the run is cancelled this instant. The
        // wait is bounded: the writer either stores within its write budget (making room) or fails, which ends the wait.
        await results.AddAsync(result, CancellationToken.None);
    }

    private async Task ScoreAsync(CaseResult result, SuiteCase testCase, ChatResponse response, CancellationToken runToken)
    {
        var citations = response.Citations ?? [];
        result.Answer = response.Answer;
        result.Citations = JsonSerializer.Serialize(citations, JsonSerializerOptions.Web);
        result.CitationCount = citations.Count;
        result.Degraded = response.Degraded;
        result.FirstTokenMs = response.Timings?.FirstTokenMs;
        var scores = new CaseScores(
            TextScores.KeywordRecall(response.Answer, testCase.ExpectedKeywords),
            TextScores.TokenF1(response.Answer, testCase.ExpectedAnswer),
            TextScores.SourceRecall(testCase.ExpectedSources, citations.Select(c => (c.DocumentId, c.Title))),
            citations.Count);
        result.KeywordRecall = scores.KeywordRecall;
        result.TokenF1 = scores.TokenF1;
        result.SourceRecall = scores.SourceRecall;

        if (response.Degraded)
        {
            // why: a degraded answer is ChatService without its LLM (passages only): a fault of the system, not a wrong answer.
            Fail(result, CaseOutcome.SystemError, "CHAT_DEGRADED", "ChatService answered in degraded mode (LLM unavailable).");
            return;
        }

        result.SemanticSimilarity = await semantic.SimilarityAsync(response.Answer, testCase.ExpectedAnswer, runToken);
        if (judge.IsEnabled && !string.IsNullOrWhiteSpace(response.Answer))
        {
            try
            {
                var verdict = await judge.JudgeAsync(testCase.Question, testCase.ExpectedAnswer, response.Answer, citations, runToken);
                result.JudgeGroundedness = verdict?.Groundedness;
                result.JudgeCorrectness = verdict?.Correctness;
                result.JudgeError = verdict?.Error;
            }
            catch (OperationCanceledException) when (runToken.IsCancellationRequested)
            {
                // why: the answer is in; a run cancelled during judging keeps the case, without judge scores.
                result.JudgeError = "JUDGE_CANCELLED: the run ended before the judge answered";
            }
        }

        // why: after the judge, so its correctness (when it gave one) takes part in the pass rule
        scores = scores with { SemanticSimilarity = result.SemanticSimilarity, JudgeCorrectness = result.JudgeCorrectness };
        result.Outcome = OutcomeRules.Decide(response.Answer, scores, testCase.ExpectedSources.Count > 0, options.Value,
            scoringOptions.Value);
    }

    private static void Fail(CaseResult result, string outcome, string code, string message)
    {
        result.Outcome = outcome;
        result.ErrorCode = code;
        result.ErrorMessage = message.Length <= 1_000 ? message : message[..1_000];
    }
}
