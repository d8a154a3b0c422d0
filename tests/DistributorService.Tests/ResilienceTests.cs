using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using DistributorService.Data;
using Microsoft.Extensions.DependencyInjection;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

[Collection("dependencies")]
public sealed class ResilienceTests(DependenciesFixture deps)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Delivery_interrupted_by_killing_its_worker_host_is_delivered_after_the_lease_is_reclaimed()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hooks/slow", SinkBehavior.Slow(TimeSpan.FromSeconds(20)));
        var database = await deps.Postgres.CreateDatabaseAsync("dist_kill", CancellationToken.None);
        var settings = TestSettings.For(database, deps.Redis.ConnectionString, $"dist-{Guid.NewGuid():N}");
        Guid distributionId;
        await using (var doomed = await DistributorProcess.StartAsync(settings))
        {
            await doomed.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/slow"), timeoutSeconds: 30));
            distributionId = (await doomed.Client.PostEventAsync("chat.message", new { text = "in flight" })).Distributions[0].Id;
            await sink.WaitUntilAsync(s => s.InFlight == 1, Deadline);
            await doomed.KillAsync();
        }

        sink.SetBehavior("/hooks/slow", SinkBehavior.Succeed());
        await using var survivor = await DistributorApp.StartAsync(deps, s =>
        {
            s.Clear();
            foreach (var (key, value) in settings)
            {
                s[key] = value;
            }
        }, database);

        var done = await survivor.Client.WaitForStatusAsync(distributionId, DistributionStatus.Succeeded, Deadline);
        // At least once: the interrupted request reached the sink, the redelivery carries the same Idempotency-Key.
        var requests = sink.RequestsTo("/hooks/slow");
        Assert.True(requests.Count >= 2, $"expected the interrupted request and a redelivery, got {requests.Count}");
        Assert.All(requests, r => Assert.Equal(distributionId.ToString(), r.Header("Idempotency-Key")));
        Assert.True(done.AttemptCount >= 2, "the killed attempt counts as an attempt");
        Assert.Equal(200, done.Attempts![^1].StatusCode);
    }

    [Fact]
    public async Task Two_hosts_share_the_load_and_no_distribution_is_delivered_twice()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hooks/shared", SinkBehavior.Slow(TimeSpan.FromMilliseconds(30)));
        await using var first = await DistributorApp.StartAsync(deps);
        await using var second = DistributorApp.StartSibling(first);
        await first.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/shared"), maxConcurrency: 32));

        var ids = new List<Guid>();
        for (var i = 0; i < 60; i++)
        {
            var client = i % 2 == 0 ? first.Client : second.Client;
            ids.Add((await client.PostEventAsync("chat.message", new { i })).Distributions[0].Id);
        }

        await Eventually.UntilAsync(async () =>
        {
            var page = await first.Client.Http.GetFromJsonAsync<Page<DistributorService.Apis.DistributionView>>(
                "/api/distributions?status=succeeded&limit=500", JsonSerializerOptions.Web);
            return page!.Items.Count == ids.Count;
        }, Deadline, "all 60 distributions should succeed");

        var requests = sink.RequestsTo("/hooks/shared");
        Assert.Equal(ids.Count, requests.Count);
        Assert.Equal(ids.Count, requests.Select(r => r.Header("Idempotency-Key")).Distinct().Count());
        var byFirst = first.Services.GetRequiredService<DistributorService.Telemetry.DistributorMetrics>().DeliveredHere;
        var bySecond = second.Services.GetRequiredService<DistributorService.Telemetry.DistributorMetrics>().DeliveredHere;
        Assert.Equal(ids.Count, byFirst + bySecond);
        Assert.True(byFirst > 0 && bySecond > 0, $"both hosts should deliver (first {byFirst}, second {bySecond})");
    }

    [Fact]
    public async Task Events_accepted_while_redis_is_down_are_all_delivered()
    {
        await using var redis = new RedisServer();
        await redis.StartAsync(CancellationToken.None);
        await using var sink = await WebhookSinkServer.StartAsync();
        await using var app = await DistributorApp.StartAsync(deps, redis: redis.ConnectionString);
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/noredis")));
        await redis.StopAsync(CancellationToken.None);

        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add((await app.Client.PostEventAsync("chat.message", new { i })).Distributions[0].Id);
        }

        foreach (var id in ids)
        {
            await app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        }

        Assert.Equal(ids.Count, sink.RequestsTo("/hooks/noredis").Select(r => r.Header("Idempotency-Key")).Distinct().Count());
    }

    [Fact]
    public async Task Intake_answers_503_when_postgres_is_down_and_accepts_again_when_it_returns()
    {
        await using var postgres = new PostgresServer();
        await postgres.StartAsync(CancellationToken.None);
        var database = await postgres.CreateDatabaseAsync("dist_pgdown", CancellationToken.None);
        await using var app = await DistributorApp.StartAsync(deps, database: database);
        await app.Client.PostEventAsync("warm.up", new { });

        await postgres.StopAsync(CancellationToken.None);
        using (var refused = await app.Client.SendEventAsync("chat.message", new { text = "lost?" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("DEPENDENCY_UNAVAILABLE", await refused.Content.ReadAsStringAsync());
        }

        await postgres.StartAsync(CancellationToken.None);
        await Eventually.UntilAsync(async () =>
        {
            using var response = await app.Client.SendEventAsync("chat.message", new { text = "back" });
            return response.StatusCode == HttpStatusCode.Accepted;
        }, Deadline, "intake should accept again once PostgreSQL is back");
    }

    [Fact]
    public async Task Intake_answers_503_within_its_budget_when_postgres_hangs_and_accepts_again_when_it_resumes()
    {
        await using var postgres = new PostgresServer();
        await postgres.StartAsync(CancellationToken.None);
        var database = await postgres.CreateDatabaseAsync("dist_pghang", CancellationToken.None);
        await using var app = await DistributorApp.StartAsync(deps, s => s["Distributor:IntakeTimeout"] = "00:00:02", database: database);
        await app.Client.PostEventAsync("warm.up", new { });

        // SIGSTOP: connections stay open and every statement waits (the 15 s command timeout would apply per statement).
        var refusedKey = Guid.NewGuid().ToString("N");
        await postgres.PauseAsync(CancellationToken.None);
        try
        {
            var stopwatch = System.Diagnostics.Stopwatch.StartNew();
            using (var refused = await app.Client.SendEventAsync("chat.message", new { text = "lost?" }, idempotencyKey: refusedKey))
            {
                stopwatch.Stop();
                Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
                Assert.Contains("DEPENDENCY_UNAVAILABLE", await refused.Content.ReadAsStringAsync());
            }

            // A budget bound, not a speed claim: 2 s intake budget + Npgsql's 2 s cancellation wait, far below the 15 s
            // a single statement would wait for its command timeout.
            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"intake answered after {stopwatch.Elapsed.TotalSeconds:0.0} s");
        }
        finally
        {
            await postgres.ResumeAsync(CancellationToken.None);
        }

        await Eventually.UntilAsync(async () =>
        {
            using var response = await app.Client.SendEventAsync("chat.message", new { text = "back" });
            return response.StatusCode == HttpStatusCode.Accepted;
        }, Deadline, "intake should accept again once PostgreSQL resumes");

        // The refused event's work went on in the background once PostgreSQL resumed: it must have rolled back, not
        // committed an event its caller was told was refused. Wait until no other session of this database is busy.
        await using var connection = new Npgsql.NpgsqlConnection(database);
        await connection.OpenAsync();
        await Eventually.UntilAsync(async () =>
        {
            await using var busy = new Npgsql.NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state IN " +
                "('active', 'idle in transaction')",
                connection);
            return (long)(await busy.ExecuteScalarAsync())! == 0;
        }, Deadline, "the abandoned intake should end once PostgreSQL resumes");
        await using var stored = new Npgsql.NpgsqlCommand("SELECT count(*) FROM events WHERE \"IdempotencyKey\" = @key", connection);
        stored.Parameters.AddWithValue("key", refusedKey);
        Assert.Equal(0L, (long)(await stored.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Paused_intake_refuses_events_until_resumed()
    {
        await using var app = await DistributorApp.StartAsync(deps);
        (await app.Client.Http.PostAsync("/admin/intake/pause", null)).EnsureSuccessStatusCode();

        using (var refused = await app.Client.SendEventAsync("chat.message", new { }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("INTAKE_PAUSED", await refused.Content.ReadAsStringAsync());
        }

        (await app.Client.Http.PostAsync("/admin/intake/resume", null)).EnsureSuccessStatusCode();
        await app.Client.PostEventAsync("chat.message", new { });
    }
}
