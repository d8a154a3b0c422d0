using EvaluationService.Data;
using EvaluationService.Apis;
using EvaluationService.Options;
using EvaluationService.Scoring;
using EvaluationService.Tests.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// The pass rule against labelled answers a person would grade: correct (short or wordy) passes; partly correct, fluent
/// but wrong, a refusal and an empty answer fail. Semantic similarity comes from the real in-process model.
/// </summary>
public sealed class ScoreCalibrationTests
{
    private const string HeklaQuestion = "How long did the 1947 eruption of Hekla last?";
    private const string HeklaExpected = "Hekla's 1947 eruption lasted thirteen months.";
    private const string StarterExpected = "The starter is fed with flour and water every day and kept at room temperature.";

    /// <summary>(label, expected answer, keywords, answer, judge correctness or null, passes?)</summary>
    public static TheoryData<string, string, string[], string, int?, bool> Labelled => new()
    {
        { "correct, short", HeklaExpected, ["thirteen months"], "Thirteen months.", null, true },
        { "correct, short, no keywords", "Thirteen months.", [], "It lasted thirteen months.", null, true },
        {
            "correct, wordy", HeklaExpected, ["thirteen months"],
            "According to the document on Icelandic volcanoes, Hekla is one of the most active volcanoes in Iceland, and "
            + "its eruption that began in 1947 went on for a long time: it lasted thirteen months in total before it finally "
            + "came to an end [1].", null, true
        },
        {
            "correct, wordy, no keywords", "The eruption lasted thirteen months.", [],
            "Hekla is one of the most active volcanoes in Iceland. Its eruption in 1947 lasted thirteen months, which the "
            + "volcanology document describes as unusually long. Other eruptions of Hekla were shorter [1].", null, true
        },
        {
            "correct, wordy, judge 5/5", HeklaExpected, [],
            "Based on your documents, the 1947 eruption of Hekla continued for thirteen months, making it one of the longest "
            + "eruptions recorded in Iceland in the twentieth century.", 5, true
        },
        {
            "partly correct", StarterExpected, ["flour", "water", "every day", "room temperature"],
            "The starter is fed with flour.", null, false
        },
        {
            "fluent but wrong", HeklaExpected, ["thirteen months"],
            "Hekla's 1947 eruption lasted about three weeks, ending in the spring of that year.", null, false
        },
        {
            "fluent but wrong, no keywords, judge 2/5", HeklaExpected, [],
            "Hekla's 1947 eruption lasted about three weeks, ending in the spring of that year.", 2, false
        },
        { "refusal", HeklaExpected, ["thirteen months"], "I could not find this in your documents.", null, false },
        {
            "refusal, no keywords", "Thirteen months.", [],
            "I'm sorry, the provided documents do not say how long the eruption lasted.", null, false
        },
        { "off topic, no keywords", HeklaExpected, [], "Sourdough bread rises because wild yeast ferments the flour.", null, false },
        { "empty", HeklaExpected, ["thirteen months"], "", null, false },
    };

    [Theory]
    [MemberData(nameof(Labelled))]
    public async Task The_pass_rule_agrees_with_the_label(string label, string expected, string[] keywords, string answer, int? judge,
        bool passes)
    {
        using var scorer = new SemanticScorer(Microsoft.Extensions.Options.Options.Create(new ScoringOptions()),
            NullLogger<SemanticScorer>.Instance);
        var scores = new CaseScores(
            TextScores.KeywordRecall(answer, keywords),
            TextScores.TokenF1(answer, expected),
            SourceRecall: null,
            CitationCount: 1,
            await scorer.SimilarityAsync(answer, expected, CancellationToken.None),
            judge);

        var outcome = OutcomeRules.Decide(answer, scores, citationsExpected: false, new EvaluationOptions(), new ScoringOptions());

        Assert.True((passes ? CaseOutcome.Passed : CaseOutcome.Failed) == outcome,
            $"{label} ({HeklaQuestion}): {outcome} with keyword recall {scores.KeywordRecall}, similarity {scores.SemanticSimilarity}, "
            + $"token F1 {scores.TokenF1:0.###}, judge {judge}");
    }

    [Fact]
    public async Task A_correct_wordy_answer_that_token_F1_failed_now_passes()
    {
        var answer = "According to the document on Icelandic volcanoes, Hekla erupted in 1947 and that eruption went on for "
                     + "thirteen months before it finally came to an end, which is long for an Icelandic volcano [1].";
        using var scorer = new SemanticScorer(Microsoft.Extensions.Options.Options.Create(new ScoringOptions()),
            NullLogger<SemanticScorer>.Instance);
        var f1 = TextScores.TokenF1(answer, HeklaExpected);
        var similarity = await scorer.SimilarityAsync(answer, HeklaExpected, CancellationToken.None);
        var scores = new CaseScores(TextScores.KeywordRecall(answer, ["thirteen months"]), f1, null, 1, similarity);

        Assert.True(f1 < new EvaluationOptions().PassTokenF1, $"token F1 {f1} should be below its threshold (the old rule failed it)");
        Assert.Equal(CaseOutcome.Failed, OutcomeRules.Decide(answer, scores with { SemanticSimilarity = null, KeywordRecall = null },
            false, new EvaluationOptions())); // the old rule: token F1 alone
        Assert.Equal(CaseOutcome.Passed, OutcomeRules.Decide(answer, scores, false, new EvaluationOptions(), new ScoringOptions()));
    }

    [Fact]
    public async Task Similarity_is_missing_when_disabled_or_nothing_is_expected()
    {
        using var off = new SemanticScorer(Microsoft.Extensions.Options.Options.Create(new ScoringOptions { SemanticSimilarity = false }),
            NullLogger<SemanticScorer>.Instance);
        Assert.Null(await off.SimilarityAsync("Thirteen months.", HeklaExpected, CancellationToken.None));
        using var on = new SemanticScorer(Microsoft.Extensions.Options.Options.Create(new ScoringOptions()),
            NullLogger<SemanticScorer>.Instance);
        Assert.Null(await on.SimilarityAsync("Thirteen months.", null, CancellationToken.None));
        Assert.Null(await on.SimilarityAsync("", HeklaExpected, CancellationToken.None));
    }
}

/// <summary>A run through the service: each case's keyword recall, semantic similarity and outcome are in the JSON report and the HTML
/// table.</summary>
[Collection("dependencies")]
public sealed class ScoreReportTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task A_wordy_correct_answer_passes_a_fluent_wrong_one_fails_and_the_report_shows_each_metric()
    {
        var replies = new Dictionary<string, FakeReply>
        {
            ["How long did the 1947 eruption of Hekla last?"] = FakeReply.Says(
                "According to the document on Icelandic volcanoes, Hekla erupted in 1947 and that eruption went on for thirteen "
                + "months before it finally came to an end, which is long for an Icelandic volcano."),
            ["What grounded European air traffic in 2010?"] = FakeReply.Says(
                "European air traffic was grounded in 2010 by a strike of air traffic controllers that lasted two weeks."),
        };
        _chat.Behaviour = q => replies[q];
        var client = _app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("calibration",
            new CaseInput("How long did the 1947 eruption of Hekla last?", "Hekla's 1947 eruption lasted thirteen months.",
                ["thirteen months"], [], []),
            new CaseInput("What grounded European air traffic in 2010?", "The ash cloud of the Eyjafjallajokull eruption.",
                ["ash cloud"], [], []));
        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(60));

        var report = await client.GetReportAsync(run.Id);
        var wordy = report.Cases.Single(c => c.Question.Contains("Hekla", StringComparison.Ordinal));
        var wrong = report.Cases.Single(c => c.Question.Contains("air traffic", StringComparison.Ordinal));
        Assert.Equal(CaseOutcome.Passed, wordy.Repetitions[0].Outcome);
        Assert.True(wordy.Repetitions[0].TokenF1 < 0.3, "token F1 alone would have failed the wordy answer");
        Assert.NotNull(wordy.Repetitions[0].SemanticSimilarity);
        Assert.Equal(1.0, wordy.MeanKeywordRecall);
        Assert.Equal(CaseOutcome.Failed, wrong.Repetitions[0].Outcome);
        Assert.Equal(0.0, wrong.Repetitions[0].KeywordRecall);
        Assert.NotNull(report.Summary.MeanSemanticSimilarity);

        using var html = await client.GetAsync($"/api/evaluations/{run.Id}/report.html");
        var page = await html.Content.ReadAsStringAsync();
        Assert.Contains("<section id=\"case-scores\">", page, StringComparison.Ordinal);
        Assert.Contains("Semantic similarity", page, StringComparison.Ordinal);
        Assert.Contains(wordy.MeanSemanticSimilarity!.Value.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), page,
            StringComparison.Ordinal);
    }
}
