using EvaluationService.Apis;
using EvaluationService.Data.Entities;
using EvaluationService.Runs;
using EvaluationService.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Testing;

namespace EvaluationService.Tests;

[Collection("dependencies")]
public sealed class OutboxTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private FakeDistributor _distributor = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _distributor = new FakeDistributor(FreePort.Next());
    }

    public async Task DisposeAsync()
    {
        await _distributor.DisposeAsync();
        await _chat.DisposeAsync();
    }

    [Fact]
    public async Task Evaluation_completed_reaches_the_distributor_exactly_once_after_it_was_down()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await using var app = EvaluationApp.Start(environment, _chat.BaseAddress, _distributor.BaseAddress);
        var client = app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("outbox", new CaseInput("q", "an answer"));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(60));
        var pending = await Eventually.UntilAsync(
            _ => app.WithDbAsync(db => db.Outbox.AsNoTracking().SingleAsync(m => m.IdempotencyKey == run.Id.ToString())),
            m => m.Attempts >= 2, TimeSpan.FromSeconds(30), "the relay should keep retrying while the distributor is down");
        Assert.Null(pending.SentAt);

        await _distributor.StartAsync(failFirst: 1);
        var sent = await Eventually.UntilAsync(
            _ => app.WithDbAsync(db => db.Outbox.AsNoTracking().SingleAsync(m => m.IdempotencyKey == run.Id.ToString())),
            m => m.SentAt is not null, TimeSpan.FromSeconds(30), "the event should be delivered once the distributor is up");

        var accepted = Assert.Single(_distributor.Accepted);
        Assert.Equal(RunFinalizer.CompletedEventType, accepted.Type);
        Assert.Equal(run.Id.ToString(), accepted.IdempotencyKey);
        Assert.Equal(RunStatus.Succeeded, accepted.Payload.GetProperty("status").GetString());
        Assert.EndsWith($"/api/evaluations/{run.Id}/report", accepted.Payload.GetProperty("reportUrl").GetString());
        Assert.True(sent.Attempts >= 3);
        Assert.Equal(1, _distributor.Rejected);
    }
}
