using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Destinations;
using DistributorService.Telemetry;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

/// <summary>
/// A destination that hangs uses only its own share of the delivery workers (DestinationSlots: its maxConcurrency sending plus
/// Delivery:WaitingPerDestination waiting; the rest of its jobs are deferred), and its breaker opens on the first round of timeouts.
/// </summary>
[Collection("dependencies")]
public sealed class IsolationTests(DependenciesFixture deps)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Fast_destination_is_delivered_while_a_hanging_one_holds_its_connections()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hooks/hang", SinkBehavior.Hanging());
        await using var app = await DistributorApp.StartAsync(deps, s =>
        {
            // why: nothing in this test may end by a timeout before the fast destination is done; the order is what is asserted.
            s["Distributor:Delivery:PermitWait"] = "00:05:00";
            s["Distributor:Delivery:Workers"] = "8";
        });
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/hang"), "hanging", ["hang.event"],
            timeoutSeconds: 240, maxConcurrency: 2));
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/fast"), "fast", ["fast.event"],
            maxConcurrency: 2));

        // More jobs for the hanging destination than the instance has workers, queued first.
        var hanging = new List<Guid>();
        for (var i = 0; i < 16; i++)
        {
            hanging.Add((await app.Client.PostEventAsync("hang.event", new { i })).Distributions[0].Id);
        }

        await sink.WaitUntilAsync(s => s.InFlight == 2, Deadline);
        var fast = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            fast.Add((await app.Client.PostEventAsync("fast.event", new { i })).Distributions[0].Id);
        }

        foreach (var id in fast)
        {
            await app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);
        }

        // Every fast delivery finished while the hanging destination's first requests were still open: none of its
        // attempts has ended (no timeout, no throttling), it never had more than its two connections, and the jobs beyond
        // its share were deferred rather than waiting in workers.
        Assert.Equal(12, sink.RequestsTo("/hooks/fast").Count);
        Assert.Equal(2, sink.InFlight);
        foreach (var id in hanging)
        {
            var distribution = await app.Client.GetDistributionAsync(id);
            Assert.Empty(distribution.Attempts ?? []);
            Assert.NotEqual(DistributionStatus.DeadLettered, distribution.Status);
        }

        Assert.True(sink.MaxConcurrentObserved <= 2 + 2, $"the hanging destination had {sink.MaxConcurrentObserved} requests open");
        Assert.True(app.Services.GetRequiredService<DistributorMetrics>().DeferredHere > 0, "jobs beyond the share should be deferred");
    }

    [Fact]
    public async Task Breaker_opens_on_the_first_round_of_timeouts()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/hooks/hang", SinkBehavior.Hanging());
        // The default minimum throughput (10) is more than one round of this destination's 4 connections.
        await using var app = await DistributorApp.StartAsync(deps, s => s["Distributor:Breaker:MinimumThroughput"] = "10");
        var destination = await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/hang"), "hanging",
            timeoutSeconds: 1, maxConcurrency: 4, backoff: new BackoffSettings(30, 2, 60)));

        var ids = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await app.Client.PostEventAsync("hang.event", new { i })).Distributions[0].Id);
        }

        foreach (var id in ids)
        {
            await Eventually.UntilAsync(_ => app.Client.GetDistributionAsync(id), d => d.Attempts is { Count: >= 1 }, Deadline,
                $"distribution {id} should have its first attempt recorded");
        }

        var view = await app.Client.Http.GetFromJsonAsync<DestinationView>($"/api/destinations/{destination.Id}",
            System.Text.Json.JsonSerializerOptions.Web);
        Assert.Equal("Open", view!.CircuitState);
        Assert.Equal(4, app.Services.GetRequiredService<DestinationBreakers>().MinimumThroughputFor(4));
    }
}
