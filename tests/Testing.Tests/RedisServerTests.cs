using StackExchange.Redis;

namespace Testing.Tests;

[Collection(DependenciesCollection.Name)]
public sealed class RedisServerTests(DependenciesFixture dependencies)
{
    [Fact]
    public async Task Set_then_get_returns_the_stored_value()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(dependencies.Redis.ConnectionString);
        var db = redis.GetDatabase();
        var key = $"fixture:{Guid.NewGuid():N}";

        Assert.True(await db.StringSetAsync(key, "value-1"));

        Assert.Equal("value-1", (string?)await db.StringGetAsync(key));
    }

    [Fact]
    public async Task Xadd_appends_entries_to_a_stream()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(dependencies.Redis.ConnectionString);
        var db = redis.GetDatabase();
        var stream = $"fixture:stream:{Guid.NewGuid():N}";

        var first = await db.StreamAddAsync(stream, "job", "1");
        var second = await db.StreamAddAsync(stream, "job", "2");

        Assert.NotEqual(first, second);
        Assert.Equal(2, await db.StreamLengthAsync(stream));
        var entries = await db.StreamRangeAsync(stream);
        Assert.Equal(["1", "2"], entries.Select(e => (string?)e["job"]));
    }

    [Fact]
    public async Task Server_is_redis_7_or_later()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(dependencies.Redis.ConnectionString);

        var server = redis.GetServer(dependencies.Redis.ConnectionString);

        Assert.True(server.Version.Major >= 7, $"redis-server {server.Version}");
    }
}
