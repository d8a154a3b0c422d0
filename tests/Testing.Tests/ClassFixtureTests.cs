using StackExchange.Redis;

namespace Testing.Tests;

/// <summary>A server type used directly as an xunit class fixture is started before the class's tests run.</summary>
public sealed class ClassFixtureTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task Server_used_as_class_fixture_is_already_running()
    {
        Assert.True(redis.IsRunning);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

        Assert.True(await connection.GetDatabase().PingAsync() >= TimeSpan.Zero);
    }
}
