using Npgsql;

namespace Testing.Tests;

[Collection(DependenciesCollection.Name)]
public sealed class PostgresServerTests(DependenciesFixture dependencies)
{
    [Fact]
    public async Task Created_database_accepts_sql_through_npgsql()
    {
        var ct = TestBudget.Token();
        var connectionString = await dependencies.Postgres.CreateDatabaseAsync("fixture_sql", ct);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using (var create = new NpgsqlCommand("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync(ct);
        }

        await using (var insert = new NpgsqlCommand("INSERT INTO notes VALUES (1, 'hello'), (2, 'world')", connection))
        {
            Assert.Equal(2, await insert.ExecuteNonQueryAsync(ct));
        }

        await using var select = new NpgsqlCommand("SELECT string_agg(body, ' ' ORDER BY id) FROM notes", connection);
        Assert.Equal("hello world", await select.ExecuteScalarAsync(ct));
        Assert.StartsWith("fixture_sql_", connection.Database, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_created_database_is_a_separate_database()
    {
        var ct = TestBudget.Token();
        var first = await dependencies.Postgres.CreateDatabaseAsync("Isolation Test!", ct);
        var second = await dependencies.Postgres.CreateDatabaseAsync("Isolation Test!", ct);

        Assert.NotEqual(first, second);
        await ExecuteAsync(first, "CREATE TABLE only_in_first (id int)", ct);
        await using var connection = new NpgsqlConnection(second);
        await connection.OpenAsync(ct);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('only_in_first') IS NOT NULL", connection);
        Assert.Equal(false, await exists.ExecuteScalarAsync(ct));
        Assert.Matches("^isolation_test__[0-9]+_[0-9a-f]{8}$", connection.Database);
    }

    [Fact]
    public void Connection_string_is_server_level_on_loopback()
    {
        var postgres = dependencies.Postgres;

        Assert.Equal($"Host=127.0.0.1;Port={postgres.Port};Username=postgres", postgres.ConnectionString);
        Assert.True(postgres.IsRunning);
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }
}
