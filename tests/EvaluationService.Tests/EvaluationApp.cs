using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationService.Apis;
using EvaluationService.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using Testing;

namespace EvaluationService.Tests;

/// <summary>
/// One EvaluationService instance in process (TestServer for its own API) on a real PostgreSQL database and Redis, calling
/// the fake ChatService and distributor over loopback. Two instances on the same database act as two replicas.
/// </summary>
public sealed class EvaluationApp : WebApplicationFactory<Program>
{
    public const string SigningKey = "evaluation-tests-signing-key-0123456789abcdef";
    private static int _redisDatabase;

    private readonly Dictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _services;

    private EvaluationApp(Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        _settings = settings;
        _services = services;
    }

    public static async Task<TestEnvironment> CreateEnvironmentAsync(DependenciesFixture dependencies,
        CancellationToken cancellationToken = default)
    {
        var database = await dependencies.Postgres.CreateDatabaseAsync("eval", cancellationToken);
        var redisDb = Interlocked.Increment(ref _redisDatabase) % 16;
        return new TestEnvironment(dependencies.Postgres.ConnectionStringFor(database),
            $"{dependencies.Redis.ConnectionString},defaultDatabase={redisDb}");
    }

    /// <param name="services">Changes to the service's registrations (e.g. a fault in one of its HTTP clients).</param>
    public static EvaluationApp Start(TestEnvironment environment, Uri chatService, Uri? distributor = null,
        IReadOnlyDictionary<string, string?>? overrides = null, Action<IServiceCollection>? services = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:evaldb"] = environment.Database,
            ["ConnectionStrings:redis"] = environment.Redis,
            ["Auth:SigningKey"] = SigningKey,
            ["services:chatservice:http:0"] = chatService.ToString().TrimEnd('/'),
            ["services:distributorservice:http:0"] = (distributor
                ?? new Uri($"http://127.0.0.1:{FreePort.Next()}")).ToString().TrimEnd('/'),
            ["Logging:PlainConsole"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Evaluation:PollInterval"] = "00:00:00.200",
            ["Evaluation:EventsPollInterval"] = "00:00:00.100",
            ["Jobs:Queues:evaluation-events:RetryInitialDelay"] = "00:00:00.200",
            ["Jobs:Queues:evaluation-events:RetryMaxDelay"] = "00:00:01",
            ["Events:SendTimeout"] = "00:00:02",
            ["Jobs:SweepInterval"] = "00:00:00.500",
            ["Jobs:RedispatchAfter"] = "00:00:02",
            ["Jobs:Queues:evaluations:LeaseDuration"] = "00:00:04",
            ["Jobs:Queues:evaluations:HeartbeatInterval"] = "00:00:01",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = new EvaluationApp(settings, services);
        _ = app.Server; // start now, so start-up failures surface in the test that caused them
        return app;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Development");
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }

        if (_services is not null)
        {
            builder.ConfigureTestServices(_services);
        }
    }

    public HttpClient ClientFor(string user, bool admin = false)
    {
        var client = CreateClient();
        client.Timeout = TimeSpan.FromSeconds(60);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            DevTokenIssuer.Mint(SigningKey, user, admin, "aspire-chat-dev", ServiceAudiences.Evaluation, TimeSpan.FromHours(1)));
        return client;
    }

    public async Task<T> WithDbAsync<T>(Func<EvaluationDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<EvaluationDbContext>());
    }

    public Task<List<CaseResult>> ResultsAsync(Guid runId) =>
        WithDbAsync(db => db.CaseResults.AsNoTracking().Where(r => r.RunId == runId).ToListAsync());
}

public sealed record TestEnvironment(string Database, string Redis);
