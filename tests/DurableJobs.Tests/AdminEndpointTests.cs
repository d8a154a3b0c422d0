using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DurableJobs.Admin;
using ServiceDefaults.Paging;
using DurableJobs.Tests.Infrastructure;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>The admin API over HTTP: authorization, summaries, paging, replay and problem details for bad input.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class AdminEndpointTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    private HttpClient _client = null!;
    private JobsTestHost _host = null!;

    private async Task StartAsync()
    {
        var settings = Settings("web", new JobScript((job, _) =>
            job.GetPayload<Dictionary<string, bool>>().GetValueOrDefault("fail")
                ? throw new InvalidOperationException("always fails")
                : Task.FromResult<object?>(null)));
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        JobsTestHost.ConfigureLogging(builder.Logging, Output, settings.Name);
        JobsTestHost.AddJobs(builder.Services, settings);
        builder.Services.AddAuthentication(HeaderAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, HeaderAuthenticationHandler>(HeaderAuthenticationHandler.SchemeName, null);
        builder.Services.AddAuthorizationBuilder().AddPolicy(AuthPolicies.Admin, p => p.RequireRole("admin"));
        var app = builder.Build();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapDurableJobsAdmin();
        await using (var scope = app.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<TestJobsContext>().Database.EnsureCreatedAsync(Timeout);
        }

        await app.StartAsync(Timeout);
        _host = Track(JobsTestHost.Adopt(app, settings));
        _client = app.GetTestClient();
        _client.DefaultRequestHeaders.Add(HeaderAuthenticationHandler.Header, "admin");
    }

    [Fact]
    public async Task Admin_endpoints_require_the_admin_role()
    {
        await StartAsync();
        var client = _host.Host.GetTestClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/admin/queues", Timeout)).StatusCode);
        using var user = new HttpRequestMessage(HttpMethod.Get, "/admin/workers");
        user.Headers.Add(HeaderAuthenticationHandler.Header, "user");
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(user, Timeout)).StatusCode);
    }

    [Fact]
    public async Task Queues_and_workers_are_summarised()
    {
        await StartAsync();
        await _host.EnqueueAsync(_host.Request(new { fail = true }, maxAttempts: 1), Timeout);

        var queues = await Eventually.UntilAsync(
            ct => _client.GetFromJsonAsync<List<QueueSummary>>("/admin/queues", ct)!,
            q => q!.Single().DeadLetters == 1 && q!.Single().Workers == 1, Deadline, "the dead letter and the worker should show", Timeout);
        var queue = queues!.Single();
        Assert.Equal(Queue, queue.Queue);
        Assert.Equal(0, queue.Depth);
        Assert.Equal(2, queue.Concurrency);
        Assert.False(queue.Degraded);

        var workers = await _client.GetFromJsonAsync<List<WorkerSummary>>("/admin/workers", Timeout);
        var worker = Assert.Single(workers!);
        Assert.Equal(Queue, worker.Queue);
        Assert.False(worker.Stale);
        Assert.StartsWith($"{Environment.MachineName}-{Environment.ProcessId}-", worker.Id, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Dead_letters_page_with_a_cursor_and_replay_since_a_time()
    {
        await StartAsync();
        var since = DateTimeOffset.UtcNow.AddMinutes(-1);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await _host.EnqueueAsync(_host.Request(new { fail = true, i }, maxAttempts: 1), Timeout)).Job.Id);
        }

        await Eventually.UntilAsync(async ct => (await _host.RowsAsync(ct)).All(r => r.State == JobState.DeadLettered), Deadline,
            "all three should be dead-lettered", Timeout);

        var first = await _client.GetFromJsonAsync<Page<JobSnapshot>>($"/admin/queues/{Queue}/dead-letters?limit=2", Timeout);
        Assert.Equal(2, first!.Items.Count);
        Assert.NotNull(first.NextCursor);
        var second = await _client.GetFromJsonAsync<Page<JobSnapshot>>(
            $"/admin/queues/{Queue}/dead-letters?limit=2&cursor={first.NextCursor}", Timeout);
        Assert.Single(second!.Items);
        Assert.Null(second.NextCursor);
        Assert.Equal(ids.ToHashSet(), first.Items.Concat(second.Items).Select(j => j.Id).ToHashSet());

        var replay = await _client.PostAsJsonAsync($"/admin/queues/{Queue}/dead-letters/replay", new ReplayRequest(null, since), Timeout);
        replay.EnsureSuccessStatusCode();
        Assert.Equal(3, (await replay.Content.ReadFromJsonAsync<ReplayResult>(Timeout))!.Replayed);
        await Eventually.UntilAsync(async ct => (await _host.RowsAsync(ct)).All(r => r.State == JobState.DeadLettered && r.Attempt == 1
                && r.FinishedAt > since), Deadline, "the replayed jobs should run (and fail) again", Timeout);
    }

    [Theory]
    [InlineData("GET", "/admin/queues/no-such-queue/dead-letters", null, 404, "NOT_FOUND")]
    [InlineData("POST", "/admin/queues/no-such-queue/dead-letters/replay", "{\"ids\":[]}", 404, "NOT_FOUND")]
    [InlineData("GET", "/admin/queues/{queue}/dead-letters?limit=0", null, 400, "VALIDATION_FAILED")]
    [InlineData("GET", "/admin/queues/{queue}/dead-letters?limit=500", null, 400, "VALIDATION_FAILED")]
    [InlineData("GET", "/admin/queues/{queue}/dead-letters?cursor=not-a-cursor", null, 400, "INVALID_CURSOR")]
    [InlineData("POST", "/admin/queues/{queue}/dead-letters/replay", "{}", 400, "VALIDATION_FAILED")]
    public async Task Bad_admin_requests_get_problem_details(string method, string path, string? body, int status, string code)
    {
        await StartAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{queue}", Queue, StringComparison.Ordinal));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        var response = await _client.SendAsync(request, Timeout);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Timeout));
        Assert.Equal(code, problem.RootElement.GetProperty("code").GetString());
    }
}
