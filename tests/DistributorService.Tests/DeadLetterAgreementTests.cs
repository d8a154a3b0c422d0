using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using DistributorService.Apis;
using DistributorService.Data;
using DurableJobs.Admin;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

/// <summary>
/// One dead-letter truth: the distributions. /admin/queues, /api/dead-letters, jobs_queue_dead_letters and distributor_dead_letters
/// agree after dead-lettering, replay and deleting a destination; and a dead-lettered job no distribution points at is discarded.
/// </summary>
[Collection("dependencies")]
public sealed partial class DeadLetterAgreementTests(DependenciesFixture deps)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Counts_agree_after_dead_letter_replay_and_destination_delete()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hooks/a", SinkBehavior.Fail(500));
        sink.SetBehavior("/hooks/b", SinkBehavior.Fail(500));
        await using var app = await DistributorApp.StartAsync(deps);
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/a"), "a", ["a.event"], maxAttempts: 1));
        var b = await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/b"), "b", ["b.event"],
            maxAttempts: 1));

        var a1 = (await app.Client.PostEventAsync("a.event", new { n = 1 })).Distributions[0].Id;
        var a2 = (await app.Client.PostEventAsync("a.event", new { n = 2 })).Distributions[0].Id;
        var b1 = (await app.Client.PostEventAsync("b.event", new { n = 3 })).Distributions[0].Id;
        foreach (var id in new[] { a1, a2, b1 })
        {
            await app.Client.WaitForStatusAsync(id, DistributionStatus.DeadLettered, Deadline);
        }

        await AgreeAsync(app, 3);

        // Replay one of a's: delivered with a new job; the old job leaves the queue's dead letters.
        sink.SetBehavior("/hooks/a", SinkBehavior.Succeed());
        using (var replay = await app.Client.Http.PostAsJsonAsync("/api/dead-letters/replay",
            new DistributorService.Apis.ReplayRequest([a1], null, null)))
        {
            replay.EnsureSuccessStatusCode();
        }

        await app.Client.WaitForStatusAsync(a1, DistributionStatus.Succeeded, Deadline);
        await AgreeAsync(app, 2);

        // Deleting b takes its dead letter out of every count.
        using (var deleted = await app.Client.Http.DeleteAsync($"/api/destinations/{b.Id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await AgreeAsync(app, 1);
    }

    [Fact]
    public async Task Dead_lettered_job_no_distribution_points_at_is_discarded()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hooks/a", SinkBehavior.Fail(500));
        await using var app = await DistributorApp.StartAsync(deps);
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/a"), "a", maxAttempts: 1));
        var id = (await app.Client.PostEventAsync("chat.message", new { })).Distributions[0].Id;
        await app.Client.WaitForStatusAsync(id, DistributionStatus.DeadLettered, Deadline);
        await AgreeAsync(app, 1);

        // As left behind by the replays and deletes of earlier versions: the distribution no longer points at its job.
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DistributorDbContext>();
            await db.Distributions.Where(d => d.Id == id).ExecuteDeleteAsync();
        }

        await AgreeAsync(app, 0);
    }

    /// <summary>Waits (the gauges and /admin/queues read periodic snapshots) until all four say <paramref name="expected"/>.</summary>
    private static async Task AgreeAsync(DistributorApp app, int expected)
    {
        var want = $"api {expected}, /admin/queues {expected}, jobs_queue_dead_letters {expected}, distributor_dead_letters {expected}";
        await Eventually.UntilAsync(async ct =>
        {
            var api = (await app.Client.Http.GetFromJsonAsync<Page<DistributionView>>("/api/dead-letters?limit=500",
                JsonSerializerOptions.Web, ct))!
                .Items.Count;
            var queues = await app.Client.Http.GetFromJsonAsync<List<QueueSummary>>("/admin/queues", JsonSerializerOptions.Web, ct);
            var admin = queues!.Single(q => q.Queue == "deliveries").DeadLetters;
            var metrics = await app.Client.Http.GetStringAsync("/metrics", ct);
            return $"api {api}, /admin/queues {admin}, jobs_queue_dead_letters {Gauge(metrics, JobsGauge())}, "
                   + $"distributor_dead_letters {Gauge(metrics, DistributorGauge())}";
        }, seen => seen == want, Deadline, $"all dead-letter counts should be {expected}");
    }

    private static double? Gauge(string metrics, Regex pattern) =>
        pattern.Match(metrics) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex("""^jobs_queue_dead_letters\{[^}]*jobs_queue="deliveries"[^}]*\} ([0-9.eE+-]+)""", RegexOptions.Multiline)]
    private static partial Regex JobsGauge();

    [GeneratedRegex("""^distributor_dead_letters(?:\{[^}]*\})? ([0-9.eE+-]+)""", RegexOptions.Multiline)]
    private static partial Regex DistributorGauge();
}
