using EvaluationService.Apis;
using EvaluationService.Data;
using EvaluationService.Tests.Fakes;
using Testing;

namespace EvaluationService.Tests;

/// <summary>Two service instances on one database behave as two replicas; one instance stopped and another started is a restart.</summary>
[Collection("dependencies")]
public sealed class ReplicaTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private TestEnvironment _environment = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
    }

    public async Task DisposeAsync() => await _chat.DisposeAsync();

    private static CaseInput[] Questions(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => new CaseInput($"{prefix} {i}", "an answer")).ToArray();

    [Fact]
    public async Task Second_run_waits_queued_while_the_first_executes_on_another_replica()
    {
        var mixed = 0;
        _chat.Behaviour = _ => FakeReply.Says("an answer") with { Delay = TimeSpan.FromMilliseconds(100) };
        _chat.OnCallStarted = inFlight =>
        {
            if (inFlight.Any(q => q.StartsWith("one", StringComparison.Ordinal))
                && inFlight.Any(q => q.StartsWith("two", StringComparison.Ordinal)))
            {
                Interlocked.Increment(ref mixed);
            }
        };
        await using var replicaA = EvaluationApp.Start(_environment, _chat.BaseAddress);
        await using var replicaB = EvaluationApp.Start(_environment, _chat.BaseAddress);
        var client = replicaA.ClientFor("alice");
        var suiteOne = await client.CreateSuiteAsync("one", Questions("one", 12));
        var suiteTwo = await client.CreateSuiteAsync("two", Questions("two", 12));

        var first = await client.StartRunAsync(new CreateEvaluationRequest(suiteOne.Id, Parallelism: 2));
        await client.WaitForRunAsync(first.Id, r => r.Status == RunStatus.Running, TimeSpan.FromSeconds(30), "the first run should start");
        var second = await replicaB.ClientFor("alice").StartRunAsync(new CreateEvaluationRequest(suiteTwo.Id, Parallelism: 2));

        var whileFirstRuns = await client.GetRunAsync(second.Id);
        var firstEnded = await client.WaitUntilEndedAsync(first.Id, TimeSpan.FromSeconds(60));
        var secondEnded = await client.WaitUntilEndedAsync(second.Id, TimeSpan.FromSeconds(60));

        Assert.Equal(RunStatus.Queued, whileFirstRuns.Status);
        Assert.Equal(RunStatus.Succeeded, firstEnded.Status);
        Assert.Equal(RunStatus.Succeeded, secondEnded.Status);
        Assert.True(secondEnded.StartedAt >= firstEnded.FinishedAt,
            $"second started {secondEnded.StartedAt:O}, first ended {firstEnded.FinishedAt:O}");
        Assert.Equal(0, mixed);
    }

    [Fact]
    public async Task Run_interrupted_by_a_restart_resumes_on_a_new_instance_without_repeating_finished_cases()
    {
        _chat.Behaviour = _ => FakeReply.Says("an answer") with { Delay = TimeSpan.FromMilliseconds(200) };
        var first = EvaluationApp.Start(_environment, _chat.BaseAddress);
        var client = first.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("resume", Questions("q", 24));
        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id, Parallelism: 2, RunTimeoutSeconds: 120));
        await client.WaitForRunAsync(run.Id, r => r.Progress.Done >= 4, TimeSpan.FromSeconds(30),
            "some cases should finish before the restart");

        await first.DisposeAsync();
        var keptBeforeRestart = await ResultsInDatabaseAsync(run.Id);
        Assert.InRange(keptBeforeRestart.Count, 4, 23);

        await using var second = EvaluationApp.Start(_environment, _chat.BaseAddress);
        var ended = await second.ClientFor("alice").WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(90));

        Assert.Equal(RunStatus.Succeeded, ended.Status);
        Assert.Equal(24, ended.Summary!.Finished);
        var after = await second.ResultsAsync(run.Id);
        Assert.Equal(24, after.Select(r => r.CaseId).Distinct().Count());
        Assert.All(keptBeforeRestart, kept => Assert.Contains(after, r => r.Id == kept.Id));
        var reAsked = keptBeforeRestart.Count(kept => _chat.CallsFor(QuestionOf(suite, kept.CaseId)) > 1);
        Assert.Equal(0, reAsked);
    }

    private async Task<List<(Guid Id, Guid CaseId)>> ResultsInDatabaseAsync(Guid runId)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(_environment.Database);
        await using var command = dataSource.CreateCommand("SELECT \"Id\", \"CaseId\" FROM case_results WHERE \"RunId\" = $1");
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<(Guid, Guid)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }

        return rows;
    }

    private static string QuestionOf(SuiteView suite, Guid caseId) => suite.Cases!.Single(c => c.Id == caseId).Question;
}
