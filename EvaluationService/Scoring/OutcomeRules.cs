using EvaluationService.Data;
using EvaluationService.Options;

namespace EvaluationService.Scoring;

/// <summary>
/// Decides passed/failed for an answer. Faults of the system under test (errors, timeouts, degraded answers)
/// are decided by the case runner and never reach these rules, so they are never counted as wrong answers.
/// </summary>
public static class OutcomeRules
{
    public static string Decide(string? answer, CaseScores scores, bool citationsExpected, EvaluationOptions thresholds)
    {
        if (string.IsNullOrWhiteSpace(answer))
        {
            return CaseOutcome.Failed;
        }

        var passes = (scores.KeywordRecall is not { } k || k >= thresholds.PassKeywordRecall)
                     && (scores.TokenF1 is not { } f || f >= thresholds.PassTokenF1)
                     && (scores.SourceRecall is not { } s || s >= thresholds.PassSourceRecall)
                     && (!citationsExpected || scores.CitationCount > 0);
        return passes ? CaseOutcome.Passed : CaseOutcome.Failed;
    }
}
