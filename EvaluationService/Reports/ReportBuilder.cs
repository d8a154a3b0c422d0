using System.Text.Json;
using EvaluationService.Chat;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Scoring;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace EvaluationService.Reports;

/// <summary>Builds the report of a run (live while it runs) and, with a baseline run, the comparison.</summary>
public sealed class ReportBuilder(EvaluationDbContext db, IOptions<EvaluationOptions> options)
{
    public async Task<EvaluationReport> BuildAsync(EvaluationRun run, CancellationToken cancellationToken)
    {
        var (cases, results) = await LoadAsync(run, cancellationToken);
        var summary = SummaryCalculator.Compute(run.Total, results);
        var rows = Rows(cases, results);

        BaselineComparison? baseline = null;
        if (run.BaselineId is { } baselineId
            && await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == baselineId, cancellationToken) is { } baselineRun)
        {
            var (baselineCases, baselineResults) = await LoadAsync(baselineRun, cancellationToken);
            baseline = Compare(baselineRun, SummaryCalculator.Compute(baselineRun.Total, baselineResults),
                Rows(baselineCases, baselineResults), summary, rows);
        }

        return new EvaluationReport(run.Id, run.SuiteId, run.SuiteName, run.Status, run.ErrorCode, run.ErrorMessage, run.Parallelism,
            run.CaseTimeoutSeconds, run.RunTimeoutSeconds, run.Repetitions, summary, ByTag(rows), rows, baseline, run.CreatedAt,
            run.StartedAt, run.FinishedAt);
    }

    private async Task<(List<SuiteCase> Cases, List<CaseResult> Results)> LoadAsync(EvaluationRun run, CancellationToken cancellationToken)
    {
        var cases = await db.SuiteCases.AsNoTracking().Where(c => c.SuiteId == run.SuiteId).OrderBy(c => c.Ordinal).Take(run.MaxCases)
            .ToListAsync(cancellationToken);
        var results = await db.CaseResults.AsNoTracking().Where(r => r.RunId == run.Id).ToListAsync(cancellationToken);
        return (cases, results);
    }

    private static List<CaseRow> Rows(List<SuiteCase> cases, List<CaseResult> results)
    {
        var byCase = results.ToLookup(r => r.CaseId);
        return cases.Select(c =>
        {
            var attempts = byCase[c.Id].OrderBy(r => r.Repetition).ToList();
            var answered = attempts.Where(r => CaseOutcome.IsAnswered(r.Outcome)).ToList();
            return new CaseRow(c.Id, c.Ordinal, c.Question, c.ExpectedAnswer, c.ExpectedKeywords, c.ExpectedSources, c.Tags, attempts.Count,
                answered.Count,
                answered.Count == 0 ? null : (double)answered.Count(r => r.Outcome == CaseOutcome.Passed) / answered.Count,
                Percentiles.Mean(answered.Select(r => r.TokenF1)),
                Percentiles.Variance(answered.Select(r => r.TokenF1)),
                Percentiles.Mean(answered.Select(r => (double?)r.LatencyMs)),
                attempts.Select(Attempt).ToList(),
                Percentiles.Mean(answered.Select(r => r.KeywordRecall)),
                Percentiles.Mean(answered.Select(r => r.SemanticSimilarity)),
                Percentiles.Mean(answered.Select(r => (double?)r.JudgeCorrectness)));
        }).ToList();
    }

    private static CaseAttempt Attempt(CaseResult r) => new(r.Repetition, r.Outcome, r.Answer,
        JsonSerializer.Deserialize<List<ChatCitation>>(r.Citations, JsonSerializerOptions.Web) ?? [],
        r.KeywordRecall, r.TokenF1, r.SourceRecall, r.CitationCount, r.LatencyMs, r.FirstTokenMs, r.JudgeGroundedness, r.JudgeCorrectness,
        r.JudgeError, r.ErrorCode, r.ErrorMessage, r.SemanticSimilarity);

    private static List<TagStat> ByTag(List<CaseRow> rows) => rows
        .SelectMany(row => row.Tags.Select(tag => (Tag: tag, Row: row)))
        .GroupBy(x => x.Tag, StringComparer.OrdinalIgnoreCase)
        .Select(g =>
        {
            var answered = g.SelectMany(x => x.Row.Repetitions).Where(a => CaseOutcome.IsAnswered(a.Outcome)).ToList();
            var passed = answered.Count(a => a.Outcome == CaseOutcome.Passed);
            return new TagStat(g.Key, answered.Count, passed, answered.Count == 0 ? null : (double)passed / answered.Count);
        })
        .OrderBy(t => t.Tag, StringComparer.OrdinalIgnoreCase)
        .ToList();

    private BaselineComparison Compare(EvaluationRun baselineRun, RunSummary baseline, List<CaseRow> baselineRows, RunSummary current,
        List<CaseRow> currentRows)
    {
        var metrics = new List<MetricDelta>
        {
            Delta("passRate", current.PassRate, baseline.PassRate, true),
            Delta("meanKeywordRecall", current.MeanKeywordRecall, baseline.MeanKeywordRecall, true),
            Delta("meanTokenF1", current.MeanTokenF1, baseline.MeanTokenF1, true),
            Delta("meanSourceRecall", current.MeanSourceRecall, baseline.MeanSourceRecall, true),
            Delta("citationRate", current.CitationRate, baseline.CitationRate, true),
            Delta("meanJudgeGroundedness", current.MeanJudgeGroundedness, baseline.MeanJudgeGroundedness, true),
            Delta("meanJudgeCorrectness", current.MeanJudgeCorrectness, baseline.MeanJudgeCorrectness, true),
            Delta("latencyP50Ms", current.Latency.P50, baseline.Latency.P50, false),
            Delta("latencyP95Ms", current.Latency.P95, baseline.Latency.P95, false),
            Delta("latencyP99Ms", current.Latency.P99, baseline.Latency.P99, false),
            Delta("firstTokenP50Ms", current.FirstToken.P50, baseline.FirstToken.P50, false),
            Delta("meanCaseF1Variance", current.MeanCaseF1Variance, baseline.MeanCaseF1Variance, false),
        };
        metrics.AddRange(current.Outcomes.Select(o =>
            Delta($"count.{o.Key}", o.Value, baseline.Outcomes.GetValueOrDefault(o.Key), o.Key == CaseOutcome.Passed)));

        var drop = options.Value.RegressionF1Drop;
        var before = baselineRows.GroupBy(r => TextScores.Normalize(r.Question)).ToDictionary(g => g.Key, g => g.First());
        var regressions = new List<CaseChange>();
        var improvements = new List<CaseChange>();
        foreach (var row in currentRows)
        {
            if (!before.TryGetValue(TextScores.Normalize(row.Question), out var old) || old.Attempts == 0 || row.Attempts == 0)
            {
                continue;
            }

            var change = (Func<string, CaseChange>)(reason =>
                new CaseChange(row.Question, old.PassRate, row.PassRate, old.MeanTokenF1, row.MeanTokenF1, reason));
            if (old.Answered > 0 && row.Answered == 0)
            {
                regressions.Add(change("no answer now (system_error or timed_out)"));
            }
            else if (old.PassRate is { } was && row.PassRate is { } now && now < was)
            {
                regressions.Add(change("pass rate fell"));
            }
            else if (old.MeanTokenF1 is { } f1Was && row.MeanTokenF1 is { } f1Now && f1Was - f1Now > drop)
            {
                regressions.Add(change("token F1 fell"));
            }
            else if (old.PassRate is { } was2 && row.PassRate is { } now2 && now2 > was2)
            {
                improvements.Add(change("pass rate rose"));
            }
            else if (old.Answered == 0 && row.Answered > 0)
            {
                improvements.Add(change("answered now"));
            }
            else if (old.MeanTokenF1 is { } f1Was2 && row.MeanTokenF1 is { } f1Now2 && f1Now2 - f1Was2 > drop)
            {
                improvements.Add(change("token F1 rose"));
            }
        }

        return new BaselineComparison(baselineRun.Id, baselineRun.Status, metrics, regressions, improvements);
    }

    private static MetricDelta Delta(string metric, double? current, double? baseline, bool higherIsBetter) =>
        new(metric, current, baseline, current is { } c && baseline is { } b ? c - b : null, higherIsBetter);
}
