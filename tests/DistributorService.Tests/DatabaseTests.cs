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
        await using var app = await DistributorApp.StartAsync(deps, s =>
        {
            if (maxAutoPrepare is not null)
            {
                s["Database:MaxAutoPrepare"] = maxAutoPrepare;
            }
        });
        using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var dataSource = app.Services.GetRequiredKeyedService<NpgsqlDataSource>("distdb");
        await using var connection = await dataSource.OpenConnectionAsync(budget.Token);
        for (var i = 0; i < 3; i++)
        {
            await using var query = new NpgsqlCommand("""SELECT count(*) FROM destinations WHERE "Name" = $1""", connection);
            query.Parameters.Add(new NpgsqlParameter { Value = $"name-{i}" });
            await query.ExecuteScalarAsync(budget.Token);
        }

        await using var count = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM destinations WHERE%'", connection);
        var statements = (long)(await count.ExecuteScalarAsync(budget.Token))!;
        Assert.Equal(prepared ? 1 : 0, statements);
    }
}
