using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ServiceDefaults.Data;
using ServiceDefaults.Redis;

namespace ServiceDefaults.Tests;

public sealed class StartupValidationTests
{
    [Fact]
    public async Task A_health_check_timeout_over_two_seconds_stops_start_up()
    {
        await using var app = TestApp.Build(settings: new Dictionary<string, string?>
        {
            ["ServiceDefaults:HealthCheckTimeout"] = "00:00:10",
        });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("HealthCheckTimeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_signing_key_and_authority_stops_start_up()
    {
        await using var app = TestApp.Build(settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = "" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Auth:Authority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_connection_string_names_the_environment_variable()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            TestApp.Build(b => b.AddPostgresDbContext<EmptyContext>("chatdb")));
        Assert.Contains("ConnectionStrings__chatdb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_connection_string_names_the_environment_variable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestApp.Build(
            b => b.AddPostgresDbContext<EmptyContext>("chatdb"),
            settings: new Dictionary<string, string?> { ["ConnectionStrings:chatdb"] = "Host=localhost;Bogus Key=1" }));
        Assert.Contains("ConnectionStrings__chatdb", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_redis_connection_string_names_the_environment_variable()
    {
        var error = Assert.Throws<InvalidOperationException>(() => TestApp.Build(b => b.AddRedisConnection("redis")));
        Assert.Contains("ConnectionStrings__redis", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CommandTimeout", "00:00:00")]
    [InlineData("CommandTimeout", "00:10:01")]
    [InlineData("PoolWait", "00:00:00.500")]
    [InlineData("PoolWait", "00:02:00")]
    public async Task An_out_of_range_database_duration_stops_start_up(string option, string value)
    {
        await using var app = TestApp.Build(b => b.AddPostgresDbContext<EmptyContext>("chatdb"),
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:chatdb"] = "Host=127.0.0.1;Port=1;Database=x",
                [$"Database:{option}"] = value,
                ["Database:MigrateOnStartup"] = "false",
            });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ConnectTimeout", "00:00:00.050")]
    [InlineData("SyncTimeout", "00:01:00")]
    [InlineData("AsyncTimeout", "00:00:00")]
    [InlineData("KeepAlive", "00:10:00")]
    public async Task An_out_of_range_redis_duration_stops_start_up(string option, string value)
    {
        await using var app = TestApp.Build(b => b.AddRedisConnection("redis"),
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = "127.0.0.1:1",
                [$"Redis:{option}"] = value,
            });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redis_durations_reach_the_client_in_its_units()
    {
        await using var app = TestApp.Build(b => b.AddRedisConnection("redis"),
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:redis"] = "127.0.0.1:1",
                ["Redis:ConnectTimeout"] = "00:00:00.250",
                ["Redis:SyncTimeout"] = "00:00:01.500",
                ["Redis:AsyncTimeout"] = "00:00:03",
                ["Redis:KeepAlive"] = "00:00:04.200",
            });
        await app.StartAsync();

        // The multiplexer connects in the background (AbortOnConnectFail=false); nothing listens on port 1.
        var redis = app.Services.GetRequiredService<StackExchange.Redis.IConnectionMultiplexer>();
        var configuration = StackExchange.Redis.ConfigurationOptions.Parse(redis.Configuration);
        Assert.Equal(250, configuration.ConnectTimeout);
        Assert.Equal(1500, configuration.SyncTimeout);
        Assert.Equal(3000, configuration.AsyncTimeout);
        Assert.Equal(5, configuration.KeepAlive);
    }
}
