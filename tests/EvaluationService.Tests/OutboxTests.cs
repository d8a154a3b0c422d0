using DurableJobs;
using DurableJobs.Events;
using EvaluationService.Apis;
using EvaluationService.Data;
using EvaluationService.Outbox;
using EvaluationService.Runs;
using EvaluationService.Tests.Fakes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// <c>evaluation.completed</c> goes out through the shared events outbox (DurableJobs/Events, queue
/// <c>evaluation-events</c>): staged with the run's final status, retried while DistributorService is down or refuses the
/// token, delivered once.
/// </summary>
[Collection("dependencies")]
public sealed class OutboxTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private FakeDistributor _distributor = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        _distributor = new FakeDistributor(FreePort.Next(), EvaluationApp.SigningKey);
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
        var pending = await Eventually.UntilAsync(_ => EventJobAsync(app, run.Id),
            m => m.Attempt >= 2, TimeSpan.FromSeconds(30), "the events job should keep retrying while the distributor is down");
        Assert.NotEqual(JobState.Succeeded, pending.State);

        await _distributor.StartAsync(failFirst: 1);
        var sent = await Eventually.UntilAsync(_ => EventJobAsync(app, run.Id),
            m => m.State == JobState.Succeeded, TimeSpan.FromSeconds(30), "the event should be delivered once the distributor is up");

        var accepted = Assert.Single(_distributor.Accepted);
        Assert.Equal(RunFinalizer.CompletedEventType, accepted.Type);
        Assert.Equal(run.Id.ToString(), accepted.IdempotencyKey);
        Assert.Equal(RunStatus.Succeeded, accepted.Payload.GetProperty("status").GetString());
        Assert.EndsWith($"/api/evaluations/{run.Id}/report", accepted.Payload.GetProperty("reportUrl").GetString());
        Assert.True(sent.Attempt >= 3);
        Assert.Equal(1, _distributor.Rejected);
        Assert.Equal(0, _distributor.Unauthorized);
        Assert.All(_distributor.Subjects, s => Assert.Equal("evaluationservice", s));
        // The service identity carries the publisher right DistributorService requires, and nothing more (not admin).
        Assert.All(_distributor.Roles, r => Assert.Equal(["publisher"], r));
    }

    /// <summary>
    /// Seen in a full CI run with the former relay: an exception type nobody expected (a NullReferenceException out of
    /// Npgsql during an outage) stopped the whole host. An events job's attempt that throws anything is retried.
    /// </summary>
    [Fact]
    public async Task An_unexpected_exception_while_sending_is_retried_and_the_event_delivered()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await _distributor.StartAsync();
        var fault = new ThrowOnce();
        await using var app = EvaluationApp.Start(environment, _chat.BaseAddress, _distributor.BaseAddress,
            services: s => s.AddHttpClient(EventPublishingRegistration.HttpClientName).AddHttpMessageHandler(() => fault));
        var client = app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("outbox-fault", new CaseInput("q", "an answer"));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(60));
        await Eventually.UntilAsync(_ => EventJobAsync(app, run.Id),
            m => m.State == JobState.Succeeded, TimeSpan.FromSeconds(30), "the event should be delivered after the unexpected exception");

        Assert.Equal(1, fault.Thrown);
        var accepted = Assert.Single(_distributor.Accepted);
        Assert.Equal(run.Id.ToString(), accepted.IdempotencyKey);
        // The host still serves requests.
        Assert.Equal(RunStatus.Succeeded, (await client.GetRunAsync(run.Id)).Status);
    }

    [Fact]
    public async Task Evaluation_completed_refused_as_unauthorized_keeps_retrying_and_is_delivered_once_the_credentials_are_fixed()
    {
        var environment = await EvaluationApp.CreateEnvironmentAsync(dependencies);
        await using var app = EvaluationApp.Start(environment, _chat.BaseAddress, _distributor.BaseAddress);
        // The distributor trusts another key than the one EvaluationService signs with: every send is answered 401.
        _distributor.SigningKey = "a-different-signing-key-0123456789abcdefghijkl";
        await _distributor.StartAsync();
        var client = app.ClientFor("alice");
        var suite = await client.CreateSuiteAsync("outbox-auth", new CaseInput("q", "an answer"));

        var run = await client.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        await client.WaitUntilEndedAsync(run.Id, TimeSpan.FromSeconds(60));
        // A claim raises the attempt number and keeps the last error until the attempt settles, so "attempt 3 failed" is
        // attempt 3 back in the queue, not attempt 3 running with attempt 2's error (seen once in CI: 2 refusals counted).
        var refused = await Eventually.UntilAsync(_ => EventJobAsync(app, run.Id),
            m => m.Attempt >= 3 && m.State == JobState.Queued && m.ErrorMessage is not null, TimeSpan.FromSeconds(30),
            "a 401 is a configuration error: the events job should keep retrying");
        Assert.NotEqual(JobState.Succeeded, refused.State);
        Assert.Contains("401", refused.ErrorMessage, StringComparison.Ordinal);
        Assert.True(_distributor.Unauthorized >= 3);

        _distributor.SigningKey = EvaluationApp.SigningKey; // the operator fixes the configuration
        await Eventually.UntilAsync(_ => EventJobAsync(app, run.Id),
            m => m.State == JobState.Succeeded, TimeSpan.FromSeconds(30),
            "the event should be delivered once the credentials are accepted");
        var accepted = Assert.Single(_distributor.Accepted);
        Assert.Equal(run.Id.ToString(), accepted.IdempotencyKey);
    }

    /// <summary>The run's events job (queue <c>evaluation-events</c>): staged with the run's final status.</summary>
    private static async Task<JobRecord> EventJobAsync(EvaluationApp app, Guid runId)
    {
        var jobs = await app.WithDbAsync(db => db.Set<JobRecord>().AsNoTracking().Where(j => j.Queue == EvaluationEvents.Queue)
            .ToListAsync());
        return jobs.Single(j => j.Payload.Contains(runId.ToString(), StringComparison.Ordinal));
    }

    /// <summary>Fails the first send with an exception type no caller expects, then passes requests through.</summary>
    private sealed class ThrowOnce : DelegatingHandler
    {
        private int _calls;

        public int Thrown { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                Thrown++;
                throw new NotSupportedException("simulated driver bug");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
