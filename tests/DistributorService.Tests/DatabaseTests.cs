using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using Testing;

namespace DistributorService.Tests;

/// <summary>The service's PostgreSQL data source: repeated statements are prepared once per connection (Database:MaxAutoPrepare).</summary>
[Collection("dependencies")]
public sealed class DatabaseTests(DependenciesFixture deps)
{
    [Theory]
    [InlineData(null, true)]
    [InlineData("0", false)]
    public async Task Repeated_statements_are_prepared_on_the_server_unless_auto_prepare_is_off(string? maxAutoPrepare, bool prepared)
    {
        await using var app = await StartWithAsync("Database:MaxAutoPrepare", maxAutoPrepare);
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var dataSource = app.Services.GetRequiredKeyedService<NpgsqlDataSource>("distdb");
        await using var connection = await dataSource.OpenConnectionAsync(budget.Token);
        for (var i = 0; i < 3; i++)
        {
            await using var query = new NpgsqlCommand("""SELECT count(*) FROM destinations WHERE "Name" = $1""", connection);
            query.Parameters.Add(new NpgsqlParameter { Value = $"name-{i}" });
            await query.ExecuteScalarAsync(budget.Token);
        }

        await using var count = new NpgsqlCommand(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM destinations WHERE%'", connection);
        var statements = (long)(await count.ExecuteScalarAsync(budget.Token))!;
        Assert.Equal(prepared ? 1 : 0, statements);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    public async Task Session_state_is_kept_across_pool_returns_only_when_reset_on_close_is_off(string? resetOnClose, bool reset)
    {
        await using var app = await StartWithAsync("Database:ResetOnClose", resetOnClose);
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // The service's effective connection settings, on a pool of its own so the same physical connection comes back.
        var configured = app.Services.GetRequiredKeyedService<NpgsqlDataSource>("distdb").ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(configured) { MaxPoolSize = 1 }.ConnectionString);
        await using (var first = await dataSource.OpenConnectionAsync(budget.Token))
        {
            await using var set = new NpgsqlCommand("SET application_name = 'left-behind'", first);
            await set.ExecuteNonQueryAsync(budget.Token);
        }

        await using var second = await dataSource.OpenConnectionAsync(budget.Token);
        await using var show = new NpgsqlCommand("SHOW application_name", second);
        var name = (string)(await show.ExecuteScalarAsync(budget.Token))!;
        if (reset)
        {
            Assert.NotEqual("left-behind", name);
        }
        else
        {
            Assert.Equal("left-behind", name);
        }
    }

    [Fact]
    public async Task Readiness_does_not_report_PostgreSQL_down_because_of_pooled_connections_to_a_restarted_server()
    {
        await using var app = await StartWithAsync("Database:MaxAutoPrepare", null);
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var dataSource = app.Services.GetRequiredKeyedService<NpgsqlDataSource>("distdb");
        // Fill the pool with idle connections, then end every one of their sessions (what a server restart does to them).
        var held = new List<NpgsqlConnection>();
        // Ten: more than the service's own background work can consume before the check runs.
        for (var i = 0; i < 10; i++)
        {
            held.Add(await dataSource.OpenConnectionAsync(budget.Token));
        }

        foreach (var connection in held)
        {
            await connection.DisposeAsync();
        }

        var configured = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString) { Pooling = false };
        await using (var admin = new NpgsqlConnection(configured.ConnectionString))
        {
            await admin.OpenAsync(budget.Token);
            await using var terminate = new NpgsqlCommand(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND pid <> " +
                "pg_backend_pid()", admin);
            Assert.True((long)(await terminate.ExecuteScalarAsync(budget.Token))! >= held.Count);
        }

        var health = app.Services.GetRequiredService<HealthCheckService>();
        var report = await health.CheckHealthAsync(r => r.Name == "postgres", budget.Token);

        Assert.Equal(HealthStatus.Healthy, report.Entries["postgres"].Status);
    }

    [Fact]
    public async Task Aspire_enriched_context_keeps_the_services_transactions_budget_and_health_check()
    {
        await using var app = await StartWithAsync("Database:CommandTimeout", "00:00:06.500");
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DistributorService.Data.DistributorDbContext>();

        // EnrichNpgsqlDbContext's default is a retrying strategy, which refuses user-initiated transactions.
        Assert.False(db.Database.CreateExecutionStrategy().RetriesOnFailure);
        await using (var transaction = await db.Database.BeginTransactionAsync(budget.Token))
        {
            // (a retrying strategy throws here: it does not support user-initiated transactions)
            await db.Database.ExecuteSqlRawAsync("SELECT 1", budget.Token);
            await transaction.RollbackAsync(budget.Token);
        }

        // The command timeout is the service's option (a TimeSpan, in Npgsql's whole seconds rounded up), not the
        // integration's.
        Assert.Equal(7, db.Database.GetCommandTimeout());

        // Only the service's own time-boxed PostgreSQL check, not the integration's DbContext check.
        var registrations = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HealthCheckServiceOptions>>()
            .Value.Registrations.Select(r => r.Name).ToList();
        Assert.Contains("postgres", registrations);
        Assert.DoesNotContain(registrations, name => name.Contains("DbContext", StringComparison.Ordinal));
    }

    /// <summary>An instance with <paramref name="setting"/> set to <paramref name="value"/>, or left at the service's default when
    /// null.</summary>
    private Task<DistributorApp> StartWithAsync(string setting, string? value) =>
        DistributorApp.StartAsync(deps, s =>
        {
            if (value is not null)
            {
                s[setting] = value;
            }
        });
}
