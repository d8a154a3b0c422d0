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

    [Fact]
    public async Task An_out_of_range_database_option_stops_start_up()
    {
        await using var app = TestApp.Build(b => b.AddPostgresDbContext<EmptyContext>("chatdb"),
            settings: new Dictionary<string, string?>
            {
                ["ConnectionStrings:chatdb"] = "Host=127.0.0.1;Port=1;Database=x",
                ["Database:CommandTimeoutSeconds"] = "0",
                ["Database:MigrateOnStartup"] = "false",
            });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("CommandTimeoutSeconds", error.Message, StringComparison.Ordinal);
    }
}
