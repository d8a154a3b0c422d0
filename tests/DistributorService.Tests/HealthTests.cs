using System.Text.Json;
using DistributorService.Data;
using DistributorService.Destinations;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

[Collection("dependencies")]
public sealed class HealthTests(DependenciesFixture deps)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Destination_unhealthy_past_the_threshold_is_disabled_and_a_destination_disabled_event_is_delivered()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        sink.SetBehavior("/health/broken", SinkBehavior.Fail(503));
        await using var app = await DistributorApp.StartAsync(deps, s =>
        {
            s["Distributor:Health:Interval"] = "00:00:00.200";
            s["Distributor:Health:AutoDisableAfter"] = "00:00:00.500";
        });
        var broken = await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/broken"), name: "broken",
            eventTypes: ["chat.message"]) with { HealthUrl = sink.UrlFor("/health/broken").ToString() });
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/ops"), name: "ops",
            eventTypes: ["destination.disabled"]));

        var disabled = await Eventually.UntilAsync(
            async ct => (await app.Client.Http.GetFromJsonAsync<DestinationView>($"/api/destinations/{broken.Id}",
                JsonSerializerOptions.Web, ct))!,
            d => !d.Enabled, Deadline, "the unhealthy destination should be disabled");
        Assert.Equal(DestinationHealthStatus.Unhealthy, disabled.Health.Status);
        Assert.NotNull(disabled.Health.LastCheckAt);
        Assert.NotNull(disabled.DisabledReason);

        var notice = Assert.Single(await sink.WaitForRequestsAsync("/hooks/ops", 1, Deadline));
        using var body = JsonDocument.Parse(notice.Body);
        Assert.Equal("destination.disabled", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(broken.Id, body.RootElement.GetProperty("data").GetProperty("destinationId").GetGuid());

        // A disabled destination gets no new distributions.
        var accepted = await app.Client.PostEventAsync("chat.message", new { });
        Assert.Empty(accepted.Distributions);
    }

    [Fact]
    public async Task Metrics_expose_attempts_latency_and_distribution_gauges()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        await using var app = await DistributorApp.StartAsync(deps);
        await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/m")));
        var id = (await app.Client.PostEventAsync("chat.message", new { })).Distributions[0].Id;
        await app.Client.WaitForStatusAsync(id, DistributionStatus.Succeeded, Deadline);

        var metrics = await Eventually.UntilAsync(async ct => await app.Client.Http.GetStringAsync("/metrics", ct),
            m => m.Contains("distributor_distributions{", StringComparison.Ordinal), Deadline, "gauges should be published");
        Assert.Contains("distributor_attempts_total", metrics);
        Assert.Contains("distributor_delivery_latency_seconds_bucket", metrics);
        Assert.Contains("distributor_dead_letters", metrics);

        var ready = await app.Client.Http.GetStringAsync("/health/ready");
        Assert.Contains("destinations", ready);
        Assert.Contains("postgres", ready);
    }
}
