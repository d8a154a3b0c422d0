using Testing;

namespace DistributorService.Tests;

/// <summary>One in-process service instance on its own fresh database (and consumer group), plus an admin client.</summary>
internal sealed class DistributorApp : IAsyncDisposable
{
    private DistributorApp(DistributorFactory factory, string database, Dictionary<string, string?> settings)
    {
        Factory = factory;
        Database = database;
        Settings = settings;
        Client = new DistributorClient(factory.CreateClient());
    }

    public DistributorFactory Factory { get; }

    public string Database { get; }

    public Dictionary<string, string?> Settings { get; }

    public DistributorClient Client { get; }

    public IServiceProvider Services => Factory.Services;

    public static async Task<DistributorApp> StartAsync(DependenciesFixture deps, Action<Dictionary<string, string?>>? configure = null,
        string? database = null, string? redis = null)
    {
        database ??= await deps.Postgres.CreateDatabaseAsync("dist", CancellationToken.None);
        var settings = TestSettings.For(database, redis ?? deps.Redis.ConnectionString, $"dist-{Guid.NewGuid():N}");
        configure?.Invoke(settings);
        return Start(database, settings);
    }

    /// <summary>A second instance sharing the database and consumer group of <paramref name="other"/>.</summary>
    public static DistributorApp StartSibling(DistributorApp other) =>
        Start(other.Database, new Dictionary<string, string?>(other.Settings));

    private static DistributorApp Start(string database, Dictionary<string, string?> settings)
    {
        var factory = new DistributorFactory(settings);
        return new DistributorApp(factory, database, settings);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Http.Dispose();
        await Factory.DisposeAsync();
    }
}
