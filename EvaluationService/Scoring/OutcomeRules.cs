using EvaluationService.Data;
using EvaluationService.Options;

namespace EvaluationService.Scoring;

/// <summary>
/// Decides passed/failed for an answer. Faults of the system under test (errors, timeouts, degraded answers)
/// are decided by the case runner and never reach these rules, so they are never counted as wrong answers.
/// </summary>
/// <remarks>
/// The rule, in order (each check only when its score exists):
/// <list type="number">
/// <item>an empty answer fails;</item>
/// <item><b>facts</b>: keyword recall below <c>PassKeywordRecall</c> fails — the expected facts are missing (a fluent
/// answer with the wrong number, a refusal, an answer with half the facts);</item>
/// <item><b>meaning</b>: semantic similarity below <c>PassSemanticSimilarity</c> fails — the answer is about something
/// else — unless every expected keyword is present (a terse correct answer, "Thirteen months.", is far from a
/// full-sentence expected answer in vector space). Length does not count against an answer, so a correct wordy answer
/// passes where token F1 failed it. Without a similarity (scorer off or failed) token F1 against
/// <c>PassTokenF1</c> takes its place, as before;</item>
/// <item><b>judge</b>: correctness below <c>PassJudgeCorrectness</c> fails — it catches the fluent wrong answer the
/// deterministic scores cannot see when a case has no keywords;</item>
/// <item><b>sources</b>: source recall below <c>PassSourceRecall</c>, or no citation when sources are expected, fails.</item>
/// </list>
/// </remarks>
public static class OutcomeRules
{
    public static string Decide(string? answer, CaseScores scores, bool citationsExpected, EvaluationOptions thresholds,
        ScoringOptions? scoring = null)
    {
        scoring ??= new ScoringOptions();
        if (string.IsNullOrWhiteSpace(answer))
        {
            return CaseOutcome.Failed;
        }

        var allFacts = scores.KeywordRecall is >= 1.0;
        var facts = scores.KeywordRecall is not { } k || k >= thresholds.PassKeywordRecall;
        var meaning = scores.SemanticSimilarity is { } s
            ? s >= scoring.PassSemanticSimilarity || allFacts
            : scores.TokenF1 is not { } f || f >= thresholds.PassTokenF1 || allFacts;
        var judge = scores.JudgeCorrectness is not { } j || j >= scoring.PassJudgeCorrectness;
        var sources = (scores.SourceRecall is not { } r || r >= thresholds.PassSourceRecall)
                      && (!citationsExpected || scores.CitationCount > 0);
        return facts && meaning && judge && sources ? CaseOutcome.Passed : CaseOutcome.Failed;
    }
}
