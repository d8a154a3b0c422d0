using StackExchange.Redis;
using Xunit.Abstractions;

namespace Testing.Tests;

public sealed class RedisFaultTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Paused_server_makes_commands_time_out_and_answers_again_after_resume()
    {
        var ct = TestBudget.Token(90);
        await using var server = new RedisServer();
        await server.StartAsync(ct);
        output.WriteLine($"redis started in {server.LastStartDuration?.TotalMilliseconds:0} ms");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(
            $"{server.ConnectionString},abortConnect=false,connectTimeout=2000,syncTimeout=1000,asyncTimeout=1000");
        var db = redis.GetDatabase();
        await db.StringSetAsync("k", "v");

        await server.PauseAsync(ct);

        await Assert.ThrowsAsync<RedisTimeoutException>(() => db.StringGetAsync("k").WaitAsync(TimeSpan.FromSeconds(15), ct));

        await server.ResumeAsync(ct);

        await Eventually.UntilAsync(async () => await db.StringGetAsync("k") == "v",
            TimeSpan.FromSeconds(15), "redis answers after resume", ct);
    }

    [Fact]
    public async Task Killed_server_restarts_empty_on_the_same_port()
    {
        var ct = TestBudget.Token(90);
        await using var server = new RedisServer();
        await server.StartAsync(ct);
        var port = server.Port;
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},abortConnect=false,connectTimeout=1" +
            $"000");
        var db = redis.GetDatabase();
        await db.StringSetAsync("k", "v");

        await server.KillAsync(ct);

        Assert.False(server.IsRunning);
        await Eventually.UntilAsync(() => !redis.IsConnected, TimeSpan.FromSeconds(10), "the client notices the dead server", ct);

        await server.RestartAsync(ct);

        Assert.Equal(port, server.Port);
        await Eventually.UntilAsync(async () => (await db.PingAsync()) >= TimeSpan.Zero,
            TimeSpan.FromSeconds(15), "the client reconnects to the restarted server", ct);
        Assert.False(await db.KeyExistsAsync("k"));
    }

    [Fact]
    public async Task Persistent_server_keeps_data_across_a_restart()
    {
        var ct = TestBudget.Token(90);
        await using var server = new RedisServer { Persistent = true };
        await server.StartAsync(ct);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString))
        {
            await redis.GetDatabase().StreamAddAsync("jobs", "id", "42");
        }

        await server.RestartAsync(ct);

        await using var again = await ConnectionMultiplexer.ConnectAsync(server.ConnectionString);
        Assert.Equal(1, await again.GetDatabase().StreamLengthAsync("jobs"));
    }

    [Fact]
    public async Task Missing_binary_fails_with_the_install_hint()
    {
        await using var server = new RedisServer { ExecutablePath = "/nonexistent/redis-server" };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => server.StartAsync(TestBudget.Token()));

        Assert.Contains("eng/install-deps.sh", error.Message, StringComparison.Ordinal);
    }
}
