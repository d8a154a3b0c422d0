using System.Net;
using System.Net.Http.Json;
using EvaluationService.Apis;
using EvaluationService.Chat;
using EvaluationService.Data;
using EvaluationService.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using ServiceDefaults.Resilience;
using ServiceDefaults.Paging;
using Testing;

namespace EvaluationService.Tests;

[Collection("dependencies")]
public sealed class RunTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private static readonly TimeSpan RunDeadline = TimeSpan.FromSeconds(60);
    private readonly List<IAsyncDisposable> _disposables = [];
    private FakeChatService _chat = null!;
    private TestEnvironment _environment = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
        {
            await disposable.DisposeAsync();
        }

        await _chat.DisposeAsync();
    }

    private EvaluationApp Start(Dictionary<string, string?>? overrides = null)
    {
        var app = EvaluationApp.Start(_environment, _chat.BaseAddress, overrides: overrides);
        _disposables.Add(app);
        return app;
    }

    private static CaseInput[] Questions(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new CaseInput($"{prefix} {i}", "an answer", ["answer"])).ToArray();

    [Fact]
    public async Task Run_with_known_cases_gives_known_scores()
    {
        _chat.Behaviour = q => q switch
        {
            "capital" => FakeReply.Says("Paris is the capital of France.", "doc-1"),
            "largest" => FakeReply.Says("The elephant is the largest animal."),
            "boiling" => FakeReply.Says("It boils at 100 degrees"),
            _ => new FakeReply(Status: 500),
        };
        var app = Start();
        var client = app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("known",
            new CaseInput("capital", "The capital of France is Paris", ["paris"], ["doc-1"], ["geo"]),
            new CaseInput("largest", "blue whale", ["blue whale", "mammal"], ["doc-2"], ["bio"]),
            new CaseInput("broken", "whatever", ["x"], null, ["geo"]),
            new CaseInput("boiling", "Water boils at 100 degrees Celsius", ["100", "celsius"], null, ["physics"]));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        var ended = await client.WaitUntilEndedAsync(run.Id, RunDeadline);

        Assert.Equal(RunStatus.Succeeded, ended.Status);
        Assert.Equal(new ProgressView(4, 4), ended.Progress);
        var s = ended.Summary!;
        Assert.Equal(2, s.Outcomes[CaseOutcome.Passed]);
        Assert.Equal(1, s.Outcomes[CaseOutcome.Failed]);
        Assert.Equal(1, s.Outcomes[CaseOutcome.SystemError]);
        Assert.Equal(2.0 / 3, s.PassRate!.Value, 6);
        var boilingF1 = 2 * 0.8 * (4.0 / 6) / (0.8 + 4.0 / 6);
        Assert.Equal((1 + 0 + boilingF1) / 3, s.MeanTokenF1!.Value, 6);
        Assert.Equal(0.5, s.MeanKeywordRecall!.Value, 6);
        Assert.Equal(0.5, s.MeanSourceRecall!.Value, 6);

        var report = await client.GetReportAsync(run.Id);
        var broken = report.Cases.Single(c => c.Question == "broken").Repetitions.Single();
        Assert.Equal(CaseOutcome.SystemError, broken.Outcome);
        Assert.Equal("CHAT_ERROR", broken.ErrorCode);
        Assert.Equal(1.0, report.ByTag.Single(t => t.Tag == "geo").PassRate);
        Assert.All(_chat.Subjects, sub => Assert.Equal("alice", sub));
        // Issue 15: the calls act for the owner with a delegated token for ChatService only: act.sub names
        // EvaluationService, the audience is ChatService's, no role, a short lifetime.
        Assert.All(_chat.Tokens, token =>
        {
            Assert.Equal(["chatservice"], token.Audiences);
            Assert.Equal("evaluationservice", DevTokenIssuer.ActorOf(token.GetClaim("act").Value));
            Assert.DoesNotContain(token.Claims, c => c.Type == "role");
            Assert.True(token.ValidTo - token.IssuedAt <= TimeSpan.FromMinutes(5), $"lifetime {token.ValidTo - token.IssuedAt}");
        });
    }

    [Fact]
    public async Task Repetitions_give_per_case_variance()
    {
        var calls = 0;
        _chat.Behaviour = _ => Interlocked.Increment(ref calls) % 2 == 0 ? FakeReply.Says("blue whale") : FakeReply.Says("blue");
        var client = Start().ClientFor("alice");
        var suite = await client.CreateSuiteAsync("reps", new CaseInput("largest animal", "blue whale"));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Repetitions: 4, Parallelism: 1));
        var ended = await client.WaitUntilEndedAsync(run.Id, RunDeadline);

        Assert.Equal(4, ended.Progress.Total);
        var row = Assert.Single((await client.GetReportAsync(run.Id)).Cases);
        Assert.Equal(4, row.Attempts);
        // F1 alternates 1 and 2/3: variance (1/6)^2.
        Assert.Equal(1.0 / 36, row.TokenF1Variance!.Value, 6);
    }

    [Fact]
    public async Task Parallelism_cap_is_respected_as_observed_by_chat_service()
    {
        _chat.Behaviour = _ => FakeReply.Says("an answer") with { Delay = TimeSpan.FromMilliseconds(150) };
        var client = Start().ClientFor("alice");
        var suite = await client.CreateSuiteAsync("parallel", Questions("p", 16));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Parallelism: 3));
        var ended = await client.WaitUntilEndedAsync(run.Id, RunDeadline);

        Assert.Equal(RunStatus.Succeeded, ended.Status);
        Assert.Equal(16, ended.Summary!.Outcomes[CaseOutcome.Passed]);
        Assert.Equal(3, _chat.MaxConcurrency);
    }

    [Fact]
    public async Task Case_timeout_marks_slow_cases_timed_out_and_keeps_the_others()
    {
        _chat.Behaviour = q => q.StartsWith("slow", StringComparison.Ordinal) ? new FakeReply(Hang: true) : FakeReply.Says("an answer");
        var client = Start(new() { ["Evaluation:ChatService:Breaker:MinimumThroughput"] = "100" }).ClientFor("alice");
        var suite = await client.CreateSuiteAsync("timeouts", [.. Questions("slow", 2), .. Questions("fast", 3)]);

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, CaseTimeoutSeconds: 1));
        var ended = await client.WaitUntilEndedAsync(run.Id, RunDeadline);

        Assert.Equal(RunStatus.Succeeded, ended.Status);
        Assert.Equal(2, ended.Summary!.Outcomes[CaseOutcome.TimedOut]);
        Assert.Equal(3, ended.Summary.Outcomes[CaseOutcome.Passed]);
        Assert.Equal(1.0, ended.Summary.PassRate);
        var timedOut = (await client.GetReportAsync(run.Id)).Cases.Where(c => c.Question.StartsWith("slow", StringComparison.Ordinal))
            .Select(c => c.Repetitions.Single());
        Assert.All(timedOut, a => Assert.Equal("CASE_TIMEOUT", a.ErrorCode));
    }

    [Fact]
    public async Task Run_timeout_ends_the_run_as_timed_out_keeping_finished_cases()
    {
        _chat.Behaviour = _ => FakeReply.Says("an answer") with { Delay = TimeSpan.FromMilliseconds(700) };
        var client = Start().ClientFor("alice");
        var suite = await client.CreateSuiteAsync("long", Questions("q", 30));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Parallelism: 1, RunTimeoutSeconds: 2,
            CaseTimeoutSeconds: 10));
        var ended = await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.TimedOut, ended.Status);
        Assert.Equal("RUN_TIMEOUT", ended.ErrorCode);
        Assert.InRange(ended.Progress.Done, 1, 29);
        Assert.Equal(ended.Progress.Done, ended.Summary!.Finished);
        Assert.True(ended.FinishedAt - ended.StartedAt < TimeSpan.FromSeconds(10), $"{ended.StartedAt} → {ended.FinishedAt}");
    }

    [Fact]
    public async Task Cancel_mid_run_stops_within_seconds_and_keeps_finished_results()
    {
        _chat.Behaviour = _ => FakeReply.Says("an answer") with { Delay = TimeSpan.FromMilliseconds(300) };
        var app = Start();
        var client = app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("cancel", Questions("q", 40));
        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Parallelism: 2, CaseTimeoutSeconds: 10));
        await client.WaitForRunAsync(run.Id, r => r.Progress.Done >= 3, RunDeadline, "some cases should finish");

        var cancel = await client.PostAsync($"/api/evaluations/{run.Id}/cancel", null);
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var ended = await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(5));

        Assert.Equal(RunStatus.Cancelled, ended.Status);
        Assert.InRange(ended.Progress.Done, 3, 39);
        var callsAtEnd = _chat.TotalCalls;
        Assert.Equal(ended.Progress.Done, (await app.ResultsAsync(run.Id)).Count);
        Assert.Equal(ended.Summary!.Finished, ended.Progress.Done);
        Assert.True(callsAtEnd <= ended.Progress.Done + 2, $"{callsAtEnd} calls for {ended.Progress.Done} results with parallelism 2");
    }

    [Fact]
    public async Task Hung_chat_service_ends_the_run_within_its_budget_with_system_errors_and_opens_the_breaker()
    {
        _chat.Behaviour = _ => new FakeReply(Hang: true);
        var app = Start(new()
        {
            ["Evaluation:ChatService:Breaker:MinimumThroughput"] = "2",
            ["Evaluation:ChatService:Breaker:BreakDuration"] = "00:01:00",
        });
        var client = app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("hung", Questions("q", 10));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Parallelism: 2, CaseTimeoutSeconds: 1,
            RunTimeoutSeconds: 30));
        var ended = await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(30));

        Assert.Equal(RunStatus.Succeeded, ended.Status);
        Assert.Equal(10, ended.Summary!.Finished);
        Assert.Equal(0, ended.Summary.Outcomes[CaseOutcome.Failed]);
        Assert.True(ended.Summary.Outcomes[CaseOutcome.TimedOut] >= 2);
        Assert.True(ended.Summary.Outcomes[CaseOutcome.SystemError] >= 1, "cases after the breaker opened fail fast");
        Assert.Null(ended.Summary.PassRate);
        Assert.True(_chat.TotalCalls < 10, $"the open breaker keeps calls from ChatService ({_chat.TotalCalls})");
        var breaker = app.Services.GetRequiredService<CircuitBreakerRegistry>().Find(ChatServiceResilience.BreakerName);
        Assert.Equal("Open", breaker!.State);
        var report = await client.GetReportAsync(run.Id);
        Assert.Contains(report.Cases.SelectMany(c => c.Repetitions), a => a.ErrorCode == "CIRCUIT_OPEN");
    }

    [Fact]
    public async Task Same_idempotency_key_returns_the_same_run()
    {
        var client = Start().ClientFor("alice");
        var suite = await client.CreateSuiteAsync("idem", Questions("q", 1));

        var first = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id), "key-1");
        var second = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id), "key-1");
        var third = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id), "key-2");

        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.Id, third.Id);
        await client.WaitUntilEndedAsync(third.Id, RunDeadline);
        var list = await client.GetFromJsonAsync<Page<RunView>>("/api/evaluations", System.Text.Json.JsonSerializerOptions.Web);
        Assert.Equal(2, list!.Items.Count);
    }

    [Fact]
    public async Task Events_stream_progress_until_the_run_completes()
    {
        _chat.Behaviour = _ => FakeReply.Says("an answer") with { Delay = TimeSpan.FromMilliseconds(100) };
        var client = Start().ClientFor("alice");
        var suite = await client.CreateSuiteAsync("sse", Questions("q", 5));
        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Parallelism: 1));

        using var stream = await client.GetStreamAsync($"/api/evaluations/{run.Id}/events");
        using var reader = new StreamReader(stream);
        var events = new List<string>();
        using var deadline = new CancellationTokenSource(RunDeadline);
        while (await reader.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                events.Add(line["event: ".Length..]);
            }
        }

        Assert.Contains("progress", events);
        Assert.Equal("completed", events[^1]);
    }
}
