using Testing;
using Xunit.Abstractions;

namespace DurableJobs.Tests.Infrastructure;

/// <summary>A fresh database, queue and service name per test; hosts started by the test are stopped after it.</summary>
public abstract class JobsTestBase(DependenciesFixture dependencies, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>Generous bound for waits: a passing test takes seconds, a broken one fails here instead of hanging.</summary>
    protected static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private readonly List<JobsTestHost> _hosts = [];
    private readonly string _suffix = Guid.NewGuid().ToString("N")[..8];

    protected DependenciesFixture Dependencies { get; } = dependencies;

    protected ITestOutputHelper Output { get; } = output;

    protected string Database { get; private set; } = "";

    protected string Queue => $"q-{_suffix}";

    protected string Service => $"svc-{_suffix}";

    protected CancellationToken Timeout { get; } = new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token;

    public async Task InitializeAsync() => Database = await Dependencies.Postgres.CreateDatabaseAsync("jobs", Timeout);

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    protected JobsHostSettings Settings(string name, JobScript? script, string? redis = null) =>
        new(name, Database, redis ?? Dependencies.Redis.ConnectionString, Service, Queue) { Script = script };

    protected async Task<JobsTestHost> StartHostAsync(JobsHostSettings settings)
    {
        var host = await JobsTestHost.StartAsync(settings, Output, Timeout);
        _hosts.Add(host);
        return host;
    }

    protected JobsTestHost Track(JobsTestHost host)
    {
        _hosts.Add(host);
        return host;
    }

    protected Task<JobSnapshot> WaitForStateAsync(JobsTestHost host, Guid id, JobState state, string because) =>
        Eventually.UntilAsync(ct => host.GetAsync(id, ct), job => job?.State == state, Deadline, because, Timeout)!;
}
