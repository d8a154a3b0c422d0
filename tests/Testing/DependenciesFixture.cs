using Xunit;

namespace Testing;

/// <summary>
/// PostgreSQL and Redis started once for a test assembly (declare in each test project:
/// <c>[CollectionDefinition("dependencies")] public sealed class DependenciesCollection :
/// ICollectionFixture&lt;DependenciesFixture&gt;;</c>
/// and put <c>[Collection("dependencies")]</c> on the test classes). Chroma is slower to start, so it starts
/// on the first <see cref="GetChromaAsync"/>. Tests isolate by database (<see cref="PostgresServer.CreateDatabaseAsync"/>),
/// by key prefix in Redis and by collection name in Chroma. Tests that stop, pause or kill a dependency should
/// start their own server instead of disturbing the shared ones.
/// </summary>
public sealed class DependenciesFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(120);

    private readonly SemaphoreSlim _chromaGate = new(1, 1);
    private readonly ChromaServer _chroma = new();

    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    /// <summary>The shared Chroma server, started on first use (and again after a failed start).</summary>
    public async Task<ChromaServer> GetChromaAsync(CancellationToken cancellationToken = default)
    {
        await _chromaGate.WaitAsync(cancellationToken);
        try
        {
            if (!_chroma.IsRunning)
            {
                await _chroma.StartAsync(cancellationToken);
            }

            return _chroma;
        }
        finally
        {
            _chromaGate.Release();
        }
    }

    public async Task InitializeAsync()
    {
        using var budget = new CancellationTokenSource(StartBudget);
        await Task.WhenAll(Postgres.StartAsync(budget.Token), Redis.StartAsync(budget.Token));
    }

    public async Task DisposeAsync()
    {
        // Dispose all three even if one fails; each disposal kills its server tree first.
        var disposals = new[] { Postgres.DisposeAsync().AsTask(), Redis.DisposeAsync().AsTask(), _chroma.DisposeAsync().AsTask() };
        await Task.WhenAll(disposals);
        _chromaGate.Dispose();
    }
}
