using DurableJobs.Storage;
using DurableJobs.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests;

/// <summary>
/// Writes that update a list of jobs and wait for row locks take those locks in id order, so two of them over the
/// same jobs (a worker's success batch and its lease renewal) cannot deadlock. Seen in the distributor benchmark:
/// PostgreSQL broke such cycles after deadlock_timeout, one second of latency each time.
/// </summary>
[Collection(DependenciesCollection.Name)]
public sealed class LockOrderTests(DependenciesFixture dependencies, ITestOutputHelper output) : JobsTestBase(dependencies, output)
{
    // PostgreSQL orders uuids by their bytes: Low < High.
    private static readonly Guid Low = Guid.Parse("10000000-0000-7000-8000-000000000000");
    private static readonly Guid High = Guid.Parse("20000000-0000-7000-8000-000000000000");

    public enum Write
    {
        SuccessBatch,
        LeaseRenewal,
        Release,
    }

    [Theory]
    [InlineData(Write.SuccessBatch)]
    [InlineData(Write.LeaseRenewal)]
    [InlineData(Write.Release)]
    public async Task A_multi_row_write_locks_its_jobs_in_id_order_whatever_order_it_is_given(Write write)
    {
        var host = await StartHostAsync(Settings("a", script: null));
        await using var scope = host.Services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<TestJobsContext>();
        var store = new JobStore(context);
        // Stored High first, so neither the table's physical order nor the argument order is id order.
        foreach (var id in new[] { High, Low })
        {
            await store.InsertAsync(new NewJob(id, "lock-order", "{}", null, null, 3, TimeSpan.FromSeconds(30), null), Timeout);
        }

        var entity = context.Model.FindEntityType(typeof(JobRecord))!;
        var table = $"\"{entity.GetSchema() ?? "public"}\".\"{entity.GetTableName()}\"";
        var connectionString = Dependencies.Postgres.ConnectionStringFor(Database);
        // Both held by worker-x in their first attempt, as the writes expect.
        await using (var setup = await OpenAsync(connectionString))
        {
            await ExecuteAsync(setup,
                $"UPDATE {table} SET state = 'running', attempt = 1, lease_owner = 'worker-x', lease_expires_at = now() + interval '1 " +
                $"minute' WHERE queue = 'lock-order'");
        }

        // Another session holds Low: the write must wait for it before it takes High.
        await using var holder = await OpenAsync(connectionString);
        await using var held = await holder.BeginTransactionAsync(Timeout);
        await ExecuteAsync(holder, $"SELECT 1 FROM {table} WHERE id = '{Low}' FOR UPDATE");

        IReadOnlyCollection<(Guid, int)> jobs = [(High, 1), (Low, 1)];
        var writing = write switch
        {
            Write.SuccessBatch => (Task)store.SucceedManyAsync([(High, 1, null), (Low, 1, null)], "worker-x", Timeout),
            Write.LeaseRenewal => store.RenewLeasesAsync(jobs, "worker-x", TimeSpan.FromSeconds(30), Timeout),
            _ => store.ReleaseAsync(jobs, "worker-x", Timeout),
        };

        await using var observer = await OpenAsync(connectionString);
        await Eventually.UntilAsync(async ct =>
        {
            await using var waiting = new NpgsqlCommand(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", observer);
            return (long)(await waiting.ExecuteScalarAsync(ct))! > 0;
        }, Deadline, "the write should be waiting for the lock on Low", Timeout);

        // High is still free: the waiting write has not locked it out of order.
        Exception? error;
        await using (var probe = await OpenAsync(connectionString))
        {
            await using var probing = await probe.BeginTransactionAsync(Timeout);
            error = await Record.ExceptionAsync(() => ExecuteAsync(probe, $"SELECT 1 FROM {table} WHERE id = '{High}' FOR UPDATE NOWAIT"));
        }

        var stillWaiting = !writing.IsCompleted;
        await held.RollbackAsync(Timeout);
        await writing.WaitAsync(Deadline, Timeout);
        Assert.True(error is null, $"High was locked by the write while it waited for Low: {error?.Message}");
        Assert.True(stillWaiting, "the write should have waited for Low");
    }

    private async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(Timeout);
        return connection;
    }

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Timeout);
    }
}
