using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Scoring;
using EvaluationService.Suites;

namespace EvaluationService.Tests;

public sealed class ScoringTests
{
    [Fact]
    public void Token_f1_is_one_for_the_same_words_in_another_order_and_zero_without_overlap()
    {
        Assert.Equal(1.0, TextScores.TokenF1("Paris is the capital of France.", "The capital of France is Paris"));
        Assert.Equal(0.0, TextScores.TokenF1("The elephant is large", "blue whale"));
        Assert.Null(TextScores.TokenF1("anything", null));
    }

    [Fact]
    public void Token_f1_counts_partial_overlap_as_harmonic_mean_of_precision_and_recall()
    {
        // 4 common tokens; precision 4/5, recall 4/6.
        Assert.Equal(2 * 0.8 * (4.0 / 6) / (0.8 + 4.0 / 6),
            TextScores.TokenF1("It boils at 100 degrees", "Water boils at 100 degrees Celsius")!.Value, 6);
    }

    [Fact]
    public void Keyword_recall_matches_whole_words_and_phrases_case_insensitively()
    {
        Assert.Equal(0.5, TextScores.KeywordRecall("The BLUE whale is big", ["blue whale", "mammal"]));
        Assert.Equal(0.0, TextScores.KeywordRecall("parisian food", ["paris"]));
        Assert.Null(TextScores.KeywordRecall("x", []));
    }

    [Fact]
    public void Source_recall_accepts_document_ids_or_titles()
    {
        Assert.Equal(1.0, TextScores.SourceRecall(["doc-1", "Handbook"], [("doc-1", null), ("doc-9", "handbook")]));
        Assert.Equal(0.5, TextScores.SourceRecall(["doc-1", "doc-2"], [("doc-2", "x")]));
    }

    [Fact]
    public void A_case_without_citations_fails_when_sources_are_expected()
    {
        var scores = new CaseScores(1, 1, null, 0);
        Assert.Equal(CaseOutcome.Failed, OutcomeRules.Decide("answer", scores, citationsExpected: true, new EvaluationOptions()));
        Assert.Equal(CaseOutcome.Passed, OutcomeRules.Decide("answer", scores, citationsExpected: false, new EvaluationOptions()));
    }

    [Fact]
    public void Summary_excludes_system_errors_and_judge_failures_from_averages()
    {
        var caseId = Guid.NewGuid();
        CaseResult R(string outcome, double? f1, int? judge = null, string? judgeError = null, double latency = 100) => new()
        {
            CaseId = caseId, Outcome = outcome, TokenF1 = f1, LatencyMs = latency, JudgeCorrectness = judge, JudgeGroundedness = judge,
            JudgeError = judgeError,
        };
        var summary = SummaryCalculator.Compute(4,
        [
            R(CaseOutcome.Passed, 1.0, judge: 5), R(CaseOutcome.Failed, 0.5, judgeError: "JUDGE_TIMEOUT"),
                R(CaseOutcome.SystemError, null, latency: 9000),
            R(CaseOutcome.TimedOut, null, latency: 60000),
        ]);

        Assert.Equal(0.5, summary.PassRate);
        Assert.Equal(0.75, summary.MeanTokenF1);
        Assert.Equal(5, summary.MeanJudgeCorrectness);
        Assert.Equal(1, summary.JudgeFailed);
        Assert.Equal(2, summary.Latency.Count);
        Assert.Equal(1, summary.Outcomes[CaseOutcome.SystemError]);
        Assert.Equal(0.0625, summary.MeanCaseF1Variance);
    }

    [Fact]
    public void Judge_output_outside_one_to_five_is_an_error_not_a_score()
    {
        Assert.Equal(new JudgeVerdict(4, 5, null), LlmJudge.Parse("Sure: {\"groundedness\": 4, \"correctness\": 5}"));
        Assert.NotNull(LlmJudge.Parse("{\"groundedness\": 0, \"correctness\": 5}").Error);
        Assert.NotNull(LlmJudge.Parse("no json here").Error);
    }

    [Fact]
    public void Generated_quote_must_appear_in_the_chunk()
    {
        const string chunk = "The warranty lasts two years from the date of purchase, unless stated otherwise.";
        Assert.True(QuoteMatcher.IsInChunk("warranty lasts two years", chunk));
        Assert.False(QuoteMatcher.IsInChunk("warranty lasts three years", chunk));
    }

    [Fact]
    public async Task Csv_import_reads_quoted_cells_and_lists()
    {
        const string csv = "question,expectedAnswer,expectedKeywords,tags\n\"What is \"\"RAG\"\"?\",\"Retrieval, then " +
            "generation\",retrieval;generation,basics|ai\n";
        var cases = await SuiteImporter.ReadCsvAsync(new StringReader(csv), 100, CancellationToken.None);

        var only = Assert.Single(cases);
        Assert.Equal("What is \"RAG\"?", only.Question);
        Assert.Equal("Retrieval, then generation", only.ExpectedAnswer);
        Assert.Equal(["retrieval", "generation"], only.ExpectedKeywords!);
        Assert.Equal(["basics", "ai"], only.Tags!);
    }

    [Fact]
    public async Task Csv_import_names_the_line_with_the_wrong_number_of_columns()
    {
        const string csv = "question,expectedAnswer\nq1,a1\n\"multi\nline\",a2\nq3,a3,extra\n";
        var error = await Assert.ThrowsAsync<SuiteImportException>(() => SuiteImporter.ReadCsvAsync(new StringReader(csv), 100,
            CancellationToken.None));
        Assert.Equal(5, error.Line);
    }
}
