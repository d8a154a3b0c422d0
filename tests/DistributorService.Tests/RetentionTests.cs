using DistributorService.Data;
using DurableJobs.Retention;
using Microsoft.Extensions.Options;
using Testing;
using WebhookSink;

namespace DistributorService.Tests;

/// <summary>Retention family distributor-events: old finished events go with their distributions and attempts, in batches.</summary>
[Collection("dependencies")]
public sealed class RetentionTests(DependenciesFixture deps)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Old_finished_events_go_with_their_distributions_and_attempts_newer_and_unfinished_stay()
    {
        await using var sink = await WebhookSinkServer.StartAsync();
        await using var app = await DistributorApp.StartAsync(deps);
        var destination = await app.Client.CreateDestinationAsync(DistributorClient.Destination(sink.UrlFor("/hooks/r")));
        var delivered = new List<(Guid Event, Guid Distribution)>();
        for (var i = 0; i < 4; i++)
        {
            var accepted = await app.Client.PostEventAsync("chat.message", new { i });
            await app.Client.WaitForStatusAsync(accepted.Distributions[0].Id, DistributionStatus.Succeeded, Deadline);
            delivered.Add((accepted.EventId, accepted.Distributions[0].Id));
        }

        // One more that is still waiting (its destination paused): old, but not finished.
        using (var pause = await app.Client.Http.PostAsync($"/api/destinations/{destination.Id}/pause", null))
        {
            pause.EnsureSuccessStatusCode();
        }

        var waiting = await app.Client.PostEventAsync("chat.message", new { waiting = true });
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorDbContext>();
        var old = delivered.Take(3).Select(d => d.Event).Append(waiting.EventId).ToArray();
        await db.Events.Where(e => old.Contains(e.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.AcceptedAt, DateTimeOffset.UtcNow.AddDays(-31)));

        var pruner = app.Services.GetRequiredService<RetentionPruner<DistributorDbContext>>();
        app.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>().CurrentValue.BatchSize = 2;
        var round = await pruner.RunOnceAsync(CancellationToken.None);

        Assert.Equal((3L, 2), round["distributor-events"]);
        var expired = delivered.Take(3).ToList();
        Assert.False(await db.Events.AnyAsync(e => expired.Select(x => x.Event).Contains(e.Id)));
        Assert.False(await db.Distributions.AnyAsync(d => expired.Select(x => x.Distribution).Contains(d.Id)));
        Assert.False(await db.DeliveryAttempts.AnyAsync(a => expired.Select(x => x.Distribution).Contains(a.DistributionId)));
        Assert.True(await db.Events.AnyAsync(e => e.Id == delivered[3].Event));
        Assert.True(await db.DeliveryAttempts.AnyAsync(a => a.DistributionId == delivered[3].Distribution));
        Assert.True(await db.Events.AnyAsync(e => e.Id == waiting.EventId));
    }
}
