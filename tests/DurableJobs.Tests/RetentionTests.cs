using DurableJobs.Retention;
using DurableJobs.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>The shared retention pruner deletes expired finished and dead-lettered jobs in batches and keeps newer ones.</summary>
[Collection(DependenciesCollection.Name)]
public sealed class RetentionTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    [Fact]
    public async Task Expired_jobs_are_pruned_in_batches_and_newer_ones_stay()
    {
        var host = await StartHostAsync(Settings("a", new JobScript((_, _) => Task.FromResult<object?>("ok"))));
        var ids = new List<Guid>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await host.EnqueueAsync(host.Request(), Timeout)).Job.Id);
        }

        foreach (var id in ids)
        {
            await WaitForStateAsync(host, id, JobState.Succeeded, "every job should succeed");
        }

        // Three succeeded jobs finished 8 days ago (expired, default 7 days), two stay recent; one dead letter 31 days ago
        // (expired, default 30 days), one dead letter a day ago.
        await SqlAsync(host, "UPDATE jobs SET finished_at = now() - interval '8 days' WHERE id = ANY(@p0)", ids.Take(3).ToArray());
        await SqlAsync(host, "UPDATE jobs SET state = 'dead_lettered', finished_at = now() - interval '31 days' WHERE id = @p0", ids[5]);
        await SqlAsync(host, "UPDATE jobs SET state = 'dead_lettered', finished_at = now() - interval '1 day' WHERE id = @p0", ids[6]);

        var pruner = host.Services.GetRequiredService<RetentionPruner<TestJobsContext>>();
        host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>().CurrentValue.BatchSize = 2;
        var round = await pruner.RunOnceAsync(Timeout);

        Assert.Equal((3L, 2), round["jobs-finished"]);
        Assert.Equal((1L, 1), round["jobs-dead-lettered"]);
        var left = (await host.RowsAsync(Timeout)).Select(j => j.Id).Order().ToList();
        Assert.Equal(new[] { ids[3], ids[4], ids[6] }.Order(), left);

        // Nothing more is expired: the next round deletes nothing.
        var again = await pruner.RunOnceAsync(Timeout);
        Assert.Equal((0L, 1), again["jobs-finished"]);
    }

    [Fact]
    public async Task A_family_can_be_given_another_age_or_switched_off()
    {
        var host = await StartHostAsync(Settings("a", new JobScript((_, _) => Task.FromResult<object?>("ok"))));
        var id = (await host.EnqueueAsync(host.Request(), Timeout)).Job.Id;
        await WaitForStateAsync(host, id, JobState.Succeeded, "the job should succeed");
        await SqlAsync(host, "UPDATE jobs SET finished_at = now() - interval '2 days' WHERE id = @p0", id);

        var options = host.Services.GetRequiredService<IOptionsMonitor<RetentionOptions>>().CurrentValue;
        var pruner = host.Services.GetRequiredService<RetentionPruner<TestJobsContext>>();
        options.Families["jobs-finished"] = new RetentionFamilyOptions { Enabled = false, After = TimeSpan.FromDays(1) };
        Assert.False((await pruner.RunOnceAsync(Timeout)).ContainsKey("jobs-finished"));
        Assert.Single(await host.RowsAsync(Timeout));

        options.Families["jobs-finished"] = new RetentionFamilyOptions { After = TimeSpan.FromDays(1) };
        Assert.Equal(1L, (await pruner.RunOnceAsync(Timeout))["jobs-finished"].Rows);
        Assert.Empty(await host.RowsAsync(Timeout));
    }

    private Task<int> SqlAsync(JobsTestHost host, string sql, object parameter) =>
        host.InScopeAsync(sp => sp.GetRequiredService<TestJobsContext>().Database.ExecuteSqlRawAsync(sql, [parameter], Timeout));
}
