using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationService.Apis;
using EvaluationService.Tests.Fakes;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using ServiceDefaults.RateLimiting;
using Testing;

namespace EvaluationService.Tests;

/// <summary>Per-user rate limits on suite creation/import and run creation; per-user caps on open run event streams.</summary>
[Collection("dependencies")]
public sealed class UserLimitsTests(DependenciesFixture dependencies) : IAsyncLifetime
{
    private FakeChatService _chat = null!;
    private EvaluationApp _app = null!;

    public async Task InitializeAsync()
    {
        _chat = await FakeChatService.StartAsync();
        // why: every case hangs, so a run stays running and its event stream stays open until the test ends it
        _chat.Behaviour = _ => new FakeReply(Hang: true);
        _app = EvaluationApp.Start(await EvaluationApp.CreateEnvironmentAsync(dependencies), _chat.BaseAddress,
            overrides: new Dictionary<string, string?>
            {
                ["RateLimits:suites:PermitLimit"] = "2",
                ["RateLimits:suites:Window"] = "01:00:00",
                ["RateLimits:runs:PermitLimit"] = "1",
                ["RateLimits:runs:Window"] = "01:00:00",
                ["Streams:MaxPerUser"] = "1",
            });
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _chat.DisposeAsync();
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString();

    [Fact]
    public async Task Suite_creation_and_import_share_a_per_user_limit_and_runs_have_their_own()
    {
        var alice = _app.ClientFor("alice-limits");
        var suite = await alice.CreateSuiteAsync("one", new CaseInput("q", "a"));
        using (var import = new StringContent("{\"question\":\"q\",\"expectedAnswer\":\"a\"}\n", System.Text.Encoding.UTF8,
            "application/x-ndjson"))
        {
            using var imported = await alice.PostAsync("/api/suites/import?format=jsonl", import);
            Assert.Equal(HttpStatusCode.Created, imported.StatusCode);
        }

        using var refused = await alice.PostAsJsonAsync("/api/suites", new CreateSuiteRequest("three", null, [new CaseInput("q", "a")]));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
        Assert.Equal("RATE_LIMITED", await CodeOf(refused));

        await alice.StartRunAsync(new CreateEvaluationRequest(suite.Id));
        using var secondRun = await alice.PostAsJsonAsync("/api/evaluations", new CreateEvaluationRequest(suite.Id));
        Assert.Equal(HttpStatusCode.TooManyRequests, secondRun.StatusCode);
        Assert.Equal("RATE_LIMITED", await CodeOf(secondRun));

        // Another user has their own windows.
        var bob = _app.ClientFor("bob-limits");
        await bob.CreateSuiteAsync("bob's", new CaseInput("q", "a"));
    }

    [Fact]
    public async Task A_second_run_event_stream_is_429_and_a_stream_ends_when_its_token_expires()
    {
        var user = "carol-streams";
        var carol = _app.ClientFor(user);
        var suite = await carol.CreateSuiteAsync("streams", new CaseInput("q", "a"));
        var run = await carol.StartRunAsync(new CreateEvaluationRequest(suite.Id));

        var shortLived = _app.CreateClient();
        shortLived.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            DevTokenIssuer.Mint(EvaluationApp.SigningKey, user, admin: false, "aspire-chat-dev", ServiceAudiences.Evaluation,
                TimeSpan.FromSeconds(2)));
        using var first = await shortLived.GetAsync($"/api/evaluations/{run.Id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        using var second = await carol.GetAsync($"/api/evaluations/{run.Id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.Equal("TOO_MANY_STREAMS", await CodeOf(second));

        // The run never ends (its case hangs): only the token's expiry ends the first stream; the guard fails the test instead.
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var body = await first.Content.ReadAsStringAsync(guard.Token);
        Assert.Contains("event: progress", body, StringComparison.Ordinal);
        Assert.DoesNotContain("event: completed", body, StringComparison.Ordinal);
        var counter = _app.Services.GetRequiredService<UserStreamCounter>();
        await Eventually.UntilAsync(() => counter.OpenFor(user) == 0, TimeSpan.FromSeconds(5), "the expired stream should be released");
        using var again = await carol.GetAsync($"/api/evaluations/{run.Id}/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }
}
