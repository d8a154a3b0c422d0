using System.Diagnostics.Metrics;
using DistributorService.Apis;
using DistributorService.Data;
using DistributorService.Delivery;
using Npgsql;
using Testing;

namespace DistributorService.Tests;

/// <summary>
/// The delivery ledger (group commit of attempt claims and records): what queues up while a round trip is in flight
/// goes in the next one, each item gets its own answer, and one item that fails does not fail its neighbours.
/// </summary>
[Collection("dependencies")]
public sealed class LedgerTests(DependenciesFixture deps) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private DistributorApp _app = null!;

    public async Task InitializeAsync() => _app = await DistributorApp.StartAsync(deps);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task Items_queued_during_a_round_trip_are_written_together_and_a_failing_one_fails_alone()
    {
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        // Six distributions without jobs (their destination is paused), then given job ids and an active destination
        // directly in the table, so only this test's calls touch them.
        var destination = await _app.Client.CreateDestinationAsync(DistributorClient.Destination(new Uri("http://127.0.0.1:9/ledger"),
            eventTypes: ["ledger"]));
        (await _app.Client.Http.PostAsync($"/api/destinations/{destination.Id}/pause", null)).EnsureSuccessStatusCode();
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await _app.Client.PostEventAsync("ledger", new { i })).Distributions.Single().Id);
        }

        var jobs = ids.Select(_ => Guid.NewGuid()).ToArray();
        var dataSource = _app.Services.GetRequiredKeyedService<NpgsqlDataSource>("distdb");
        await using var admin = await dataSource.OpenConnectionAsync(budget.Token);
        for (var i = 0; i < ids.Count; i++)
        {
            await ExecuteAsync(admin, $"""UPDATE distributions SET "JobId" = '{jobs[i]}' WHERE "Id" = '{ids[i]}'""", budget.Token);
        }

        await ExecuteAsync(admin, $"""UPDATE destinations SET "Paused" = false WHERE "Id" = '{destination.Id}'""", budget.Token);

        var ledger = _app.Services.GetRequiredService<DeliveryLedger>();
        var batches = new List<(int Items, string Outcome)>();
        using var listener = ListenToBatches(batches);
        var now = DateTimeOffset.UtcNow;

        // Hold distribution 0: the ledger's first round trip (its claim) waits, and everything after it queues up.
        await using var holder = await dataSource.OpenConnectionAsync(budget.Token);
        await using var held = await holder.BeginTransactionAsync(budget.Token);
        await ExecuteAsync(holder, $"""SELECT 1 FROM distributions WHERE "Id" = '{ids[0]}' FOR UPDATE""", budget.Token);
        var first = ledger.ClaimAsync(ids[0], jobs[0], now, budget.Token);
        await Eventually.UntilAsync(async ct =>
        {
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", admin);
            return (long)(await waiting.ExecuteScalarAsync(ct))! > 0;
        }, Deadline, "the first claim should wait for the held row", budget.Token);

        var claimed = ledger.ClaimAsync(ids[1], jobs[1], now, budget.Token);
        var otherJob = ledger.ClaimAsync(ids[2], Guid.NewGuid(), now, budget.Token);
        var missing = ledger.ClaimAsync(Guid.NewGuid(), Guid.NewGuid(), now, budget.Token);
        var recorded = ledger.RecordAsync(Record(ids[3], jobs[3], DistributionStatus.Succeeded, errorCode: null));
        // Longer than the column (60): this record cannot be written.
        var bad = ledger.RecordAsync(Record(ids[4], jobs[4], DistributionStatus.Pending, errorCode: new string('X', 100)));

        // A caller that gives up while queued is not claimed for.
        using var gaveUp = new CancellationTokenSource();
        var abandoned = ledger.ClaimAsync(ids[5], jobs[5], now, gaveUp.Token);
        await gaveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        await held.RollbackAsync(budget.Token);

        Assert.Equal(1, (await first.WaitAsync(Deadline, budget.Token))!.ClaimedNumber);
        var one = (await claimed.WaitAsync(Deadline, budget.Token))!;
        Assert.Equal(1, one.ClaimedNumber);
        Assert.Equal(DistributionStatus.Pending, one.Status);
        Assert.Equal("ledger", one.EventType);
        Assert.True(one.DestinationActive);
        var notOwned = (await otherJob.WaitAsync(Deadline, budget.Token))!;
        Assert.Null(notOwned.ClaimedNumber);
        Assert.Null(await missing.WaitAsync(Deadline, budget.Token));
        await recorded.WaitAsync(Deadline, budget.Token);
        var error = await Assert.ThrowsAsync<PostgresException>(() => bad.WaitAsync(Deadline, budget.Token));
        Assert.Equal(PostgresErrorCodes.StringDataRightTruncation, error.SqlState);

        // The five items still wanted went as one batch, which failed on the bad record and was split.
        lock (batches)
        {
            Assert.Contains((1, "written"), batches);
            Assert.Contains((5, "split"), batches);
        }

        var views = new List<DistributionView>();
        foreach (var id in ids)
        {
            views.Add(await _app.Client.GetDistributionAsync(id));
        }

        Assert.Equal([DistributionStatus.Processing, DistributionStatus.Processing, DistributionStatus.Pending,
            DistributionStatus.Succeeded, DistributionStatus.Pending, DistributionStatus.Pending], views.Select(v => v.Status));
        Assert.Equal([1, 1, 0, 0, 0, 0], views.Select(v => v.AttemptCount));
        Assert.Equal([0, 0, 0, 1, 0, 0], views.Select(v => v.Attempts?.Count ?? 0));
    }

    private static AttemptRecord Record(Guid distribution, Guid job, string status, string? errorCode)
    {
        var now = DateTimeOffset.UtcNow;
        return new AttemptRecord(distribution, job, 1, now, 3, errorCode is null ? 200 : 503, errorCode,
            errorCode is null ? null : "unavailable", status, now, status == DistributionStatus.Succeeded ? now : null, null);
    }

    private MeterListener ListenToBatches(List<(int Items, string Outcome)> batches)
    {
        var meters = _app.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "distributor.ledger.batch.size")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            var outcome = tags.ToArray().Single(t => t.Key == "outcome").Value as string ?? "";
            lock (batches)
            {
                batches.Add((value, outcome));
            }
        });
        listener.Start();
        return listener;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
