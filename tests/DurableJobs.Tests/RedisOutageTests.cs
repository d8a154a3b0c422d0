using DurableJobs.Dispatch;
using DurableJobs.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>Losing Redis delays work and never loses it: PostgreSQL claiming and the sweeper take over.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class RedisOutageTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output),
    IAsyncDisposable
{
    private readonly RedisServer _redis = new();
    private readonly JobLedger _ledger = new();

    private JobScript Quick(string host) => new(async (job, ct) =>
    {
        using var _ = _ledger.Enter(job, host);
        await Task.Delay(TimeSpan.FromMilliseconds(2), ct);
        _ledger.Complete(job);
        return null;
    });

    [Fact]
    public async Task Every_job_completes_once_when_Redis_stops_during_a_burst()
    {
        await _redis.StartAsync(Timeout);
        var a = await StartHostAsync(Settings("a", Quick("a"), _redis.ConnectionString));
        var b = await StartHostAsync(Settings("b", Quick("b"), _redis.ConnectionString));
        var ids = new List<Guid>();
        async Task EnqueueAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                ids.Add((await (i % 2 == 0 ? a : b).EnqueueAsync(a.Request(new { i }), Timeout)).Job.Id);
            }
        }

        await EnqueueAsync(100);
        await _redis.StopAsync(Timeout);
        await EnqueueAsync(100);

        await Eventually.UntilAsync(() => _ledger.Completed >= 200, Deadline,
            "jobs should keep completing while Redis is down (claimed from PostgreSQL)", Timeout);

        await _redis.StartAsync(Timeout);
        await Eventually.UntilAsync(() => a.Services.GetRequiredService<RedisLink>().IsUsable
            && b.Services.GetRequiredService<RedisLink>().IsUsable, Deadline, "both hosts should reconnect to Redis", Timeout);
        await EnqueueAsync(100);

        await Eventually.UntilAsync(() => _ledger.Completed >= 300, Deadline, "all 300 jobs should complete", Timeout);
        var rows = await Eventually.UntilAsync(a.RowsAsync, r => r.Count == 300 && r.All(j => j.State == JobState.Succeeded), Deadline,
            "every row should be settled as succeeded", Timeout);
        Assert.Equal(ids.ToHashSet(), rows.Select(r => r.Id).ToHashSet());
        Assert.All(ids, id => Assert.Equal(1, _ledger.Completions[id]));
        Assert.True(await a.Redis.StreamLengthAsync($"jobs:{Queue}") > 0, "dispatch should be back on the stream after Redis returned");
    }

    [Fact]
    public async Task Sweeper_redispatches_jobs_whose_stream_entries_were_flushed()
    {
        await _redis.StartAsync(Timeout);
        var api = await StartHostAsync(Settings("api", script: null, _redis.ConnectionString));
        var ids = await api.StageAsync([.. Enumerable.Range(0, 20).Select(i => api.Request(new { i }))], batch: 20, Timeout);
        Assert.Equal(20, await api.Redis.StreamLengthAsync($"jobs:{Queue}"));
        await api.StopAsync();

        var admin = JobsTestHost.RedisOptions(_redis.ConnectionString);
        admin.AllowAdmin = true;
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(admin))
        {
            await connection.GetServer(connection.GetEndPoints()[0]).FlushAllDatabasesAsync();
        }

        Assert.Equal(0, await api.Redis.StreamLengthAsync($"jobs:{Queue}"));
        var worker = await StartHostAsync(Settings("worker", Quick("worker"), _redis.ConnectionString));

        await Eventually.UntilAsync(() => _ledger.Completed >= 20, Deadline, "the sweeper should re-dispatch the flushed jobs", Timeout);
        // The handler's completion is counted before its outcome row is written (successes are group-committed): wait
        // for the rows rather than reading them the instant the last handler returned.
        var rows = await Eventually.UntilAsync(worker.RowsAsync, r => r.All(j => j.State == JobState.Succeeded), Deadline,
            "every re-dispatched job's row should be succeeded", Timeout);
        Assert.Equal(20, rows.Count);
        Assert.All(ids, id => Assert.Equal(1, _ledger.Completions[id]));
    }

    [Fact]
    public async Task Jobs_run_on_PostgreSQL_alone_when_no_Redis_is_configured()
    {
        var host = await StartHostAsync(new JobsHostSettings("solo", Database, null, Service, Queue) { Script = Quick("solo") });

        var ids = await host.StageAsync([.. Enumerable.Range(0, 10).Select(i => host.Request(new { i }))], batch: 10, Timeout);

        await Eventually.UntilAsync(() => _ledger.Completed >= 10, Deadline, "jobs should be claimed from PostgreSQL", Timeout);
        Assert.All(ids, id => Assert.Equal(1, _ledger.Completions[id]));
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await _redis.DisposeAsync();
}
