using EvaluationService.Data;

namespace EvaluationService.Scoring;

/// <summary>Computes a <see cref="RunSummary"/> from stored case results.</summary>
public static class SummaryCalculator
{
    public static RunSummary Compute(int total, IReadOnlyCollection<CaseResult> results)
    {
        var outcomes = CaseOutcome.All.ToDictionary(o => o, o => results.Count(r => r.Outcome == o));
        var answered = results.Where(r => CaseOutcome.IsAnswered(r.Outcome)).ToList();
        var judged = answered.Where(r => r.JudgeCorrectness.HasValue && r.JudgeGroundedness.HasValue).ToList();
        var variances = answered.GroupBy(r => r.CaseId)
            .Select(g => Percentiles.Variance(g.Select(r => r.TokenF1)))
            .ToList();

        return new RunSummary(
            total,
            results.Count,
            outcomes,
            answered.Count == 0 ? null : (double)outcomes[CaseOutcome.Passed] / answered.Count,
            Percentiles.Mean(answered.Select(r => r.KeywordRecall)),
            Percentiles.Mean(answered.Select(r => r.TokenF1)),
            Percentiles.Mean(answered.Select(r => r.SourceRecall)),
            answered.Count == 0 ? null : (double)answered.Count(r => r.CitationCount > 0) / answered.Count,
            Latency(answered.Select(r => (double?)r.LatencyMs)),
            Latency(answered.Select(r => r.FirstTokenMs)),
            Percentiles.Mean(judged.Select(r => (double?)r.JudgeGroundedness)),
            Percentiles.Mean(judged.Select(r => (double?)r.JudgeCorrectness)),
            judged.Count,
            answered.Count(r => r.JudgeError is not null),
            Percentiles.Mean(variances),
            Percentiles.Mean(answered.Select(r => r.SemanticSimilarity)));
    }

    public static LatencySummary Latency(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v.HasValue).Select(v => v!.Value).Order().ToList();
        return new LatencySummary(sorted.Count, Percentiles.Of(sorted, 50), Percentiles.Of(sorted, 95),
            Percentiles.Of(sorted, 99), sorted.Count == 0 ? null : sorted[^1]);
    }
}
