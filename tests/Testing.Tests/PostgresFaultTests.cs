using Npgsql;
using Xunit.Abstractions;

namespace Testing.Tests;

/// <summary>Each test owns its server: stopping, pausing or killing the shared one would disturb other tests.</summary>
public sealed class PostgresFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Paused_server_makes_queries_time_out_and_answers_again_after_resume()
    {
        var ct = TestBudget.Token(90);
        await using var postgres = new PostgresServer();
        await postgres.StartAsync(ct);
        output.WriteLine($"postgres started in {postgres.LastStartDuration?.TotalMilliseconds:0} ms");
        var connectionString = $"{postgres.ConnectionString};Pooling=false;Timeout=1;Command Timeout=1;Cancellation Timeout=500";
        await using var open = new NpgsqlConnection(connectionString);
        await open.OpenAsync(ct);

        await postgres.PauseAsync(ct);

        Assert.True(postgres.IsPaused);
        await using (var query = new NpgsqlCommand("SELECT 1", open))
        {
            var onOpenConnection = await Assert.ThrowsAnyAsync<NpgsqlException>(
                () => query.ExecuteScalarAsync(ct).WaitAsync(TimeSpan.FromSeconds(15), ct));
            Assert.IsType<TimeoutException>(onOpenConnection.InnerException);
        }

        await using (var fresh = new NpgsqlConnection(connectionString))
        {
            var onNewConnection = await Assert.ThrowsAnyAsync<NpgsqlException>(
                () => fresh.OpenAsync(ct).WaitAsync(TimeSpan.FromSeconds(15), ct));
            Assert.IsType<TimeoutException>(onNewConnection.InnerException);
        }

        await postgres.ResumeAsync(ct);

        Assert.False(postgres.IsPaused);
        await Eventually.UntilAsync(async () => await ScalarAsync(connectionString, "SELECT 41 + 1", ct) is 42,
            TimeSpan.FromSeconds(15), "postgres answers after resume", ct);
    }

    [Fact]
    public async Task Restart_keeps_committed_data_and_the_port()
    {
        var ct = TestBudget.Token(90);
        await using var postgres = new PostgresServer();
        await postgres.StartAsync(ct);
        var database = await postgres.CreateDatabaseAsync("restart", ct);
        var connectionString = $"{database};Pooling=false";
        await ScalarAsync(connectionString, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')", ct);
        var port = postgres.Port;
        var firstPid = postgres.ProcessId;

        await postgres.RestartAsync(ct);

        output.WriteLine($"postgres restarted in {postgres.LastStartDuration?.TotalMilliseconds:0} ms");
        Assert.Equal(port, postgres.Port);
        Assert.NotEqual(firstPid, postgres.ProcessId);
        Assert.Equal("survives", await ScalarAsync(connectionString, "SELECT v FROM kept", ct));
    }

    [Fact]
    public async Task Killed_server_refuses_connections_and_recovers_committed_data_on_restart()
    {
        var ct = TestBudget.Token(90);
        await using var postgres = new PostgresServer();
        await postgres.StartAsync(ct);
        var database = await postgres.CreateDatabaseAsync("crash", ct);
        var connectionString = $"{database};Pooling=false;Timeout=2";
        await ScalarAsync(connectionString, "CREATE TABLE kept (v int); INSERT INTO kept SELECT generate_series(1, 1000)", ct);

        await postgres.KillAsync(ct);

        Assert.False(postgres.IsRunning);
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => ScalarAsync(connectionString, "SELECT 1", ct));

        await postgres.RestartAsync(ct);

        Assert.Equal(1000L, await ScalarAsync(connectionString, "SELECT count(*) FROM kept", ct));
    }

    [Fact]
    public async Task Disposed_server_leaves_no_process_and_no_folder_behind()
    {
        var ct = TestBudget.Token(90);
        var postgres = new PostgresServer();
        await postgres.StartAsync(ct);
        await using var session = new NpgsqlConnection($"{postgres.ConnectionString};Pooling=false");
        await session.OpenAsync(ct);
        var root = postgres.ProcessId!.Value;
        var tree = ProcessTree.Descendants(root).Append(root).ToList();
        var workDirectory = postgres.WorkDirectory;
        Assert.True(tree.Count > 2, "postmaster, its background workers and our backend are running");

        await postgres.DisposeAsync();

        Assert.All(tree, pid => Assert.False(ProcessTree.IsAlive(pid), $"process {pid} is still alive"));
        Assert.False(Directory.Exists(workDirectory));
    }

    [Fact]
    public async Task Missing_binaries_fail_with_the_install_hint()
    {
        await using var postgres = new PostgresServer { BinDirectory = "/nonexistent/postgresql/bin" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => postgres.StartAsync(TestBudget.Token()));

        Assert.Contains("eng/install-deps.sh", error.Message, StringComparison.Ordinal);
    }

    private static async Task<object?> ScalarAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync(ct);
    }
}
