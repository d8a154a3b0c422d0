using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using OllamaSimulator;
using StackExchange.Redis;
using Testing;
using WebhookSink;

namespace SystemTests.Harness;

/// <summary>
/// Everything the services depend on, started once for the "system" collection: its own PostgreSQL, Redis and
/// Chroma servers (the fault tests stop, pause and kill them, so they are not the shared ones), the Ollama simulator
/// and the webhook sink in-process, and a <see cref="TcpFaultProxy"/> in front of each of the four, which is the
/// address the services get. <see cref="GetStackAsync"/> hands each test class its own set of three services on
/// fresh databases (the previous class's set is stopped first: one set at a time on a 2-core machine).
/// </summary>
public sealed class SystemDependencies : IAsyncLifetime
{
    private static readonly TimeSpan StartBudget = TimeSpan.FromSeconds(150);
    private readonly SemaphoreSlim _stackGate = new(1, 1);
    private SystemStack? _stack;
    private string? _stackOwner;

    public PostgresServer Postgres { get; } = new();

    public RedisServer Redis { get; } = new();

    public ChromaServer Chroma { get; } = new();

    public OllamaSimulatorServer Simulator { get; private set; } = null!;

    public WebhookSinkServer Sink { get; private set; } = null!;

    public TcpFaultProxy PostgresProxy { get; private set; } = null!;

    public TcpFaultProxy RedisProxy { get; private set; } = null!;

    public TcpFaultProxy ChromaProxy { get; private set; } = null!;

    public TcpFaultProxy OllamaProxy { get; private set; } = null!;

    /// <summary>The development signing key every service validates tokens with (Auth__SigningKey).</summary>
    public string SigningKey { get; } = "system-tests-signing-key-" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        using var budget = new CancellationTokenSource(StartBudget);
        await Task.WhenAll(Postgres.StartAsync(budget.Token), Redis.StartAsync(budget.Token), Chroma.StartAsync(budget.Token));
        Simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: budget.Token);
        Sink = await WebhookSinkServer.StartAsync(cancellationToken: budget.Token);
        PostgresProxy = new TcpFaultProxy("postgres", Postgres.Port);
        RedisProxy = new TcpFaultProxy("redis", Redis.Port);
        ChromaProxy = new TcpFaultProxy("chroma", Chroma.Port);
        OllamaProxy = new TcpFaultProxy("ollama", Simulator.BaseAddress.Port);
    }

    /// <summary>
    /// The running services for <paramref name="owner"/> (a test class), started on first use with fresh databases,
    /// an empty Redis and no Chroma collections. <paramref name="environment"/> adds variables to every service (on top
    /// of the AppHost's), e.g. short job leases for the crash tests; it only takes effect when the stack is created.
    /// </summary>
    public async Task<SystemStack> GetStackAsync(string owner, CancellationToken cancellationToken = default,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        await _stackGate.WaitAsync(cancellationToken);
        try
        {
            if (_stack is not null && _stackOwner == owner)
            {
                await _stack.EnsureRunningAsync(cancellationToken);
                return _stack;
            }

            if (_stack is not null)
            {
                await _stack.DisposeAsync();
                _stack = null;
            }

            await RestoreAllAsync(cancellationToken);
            await ResetStateAsync(cancellationToken);
            var prefix = new string(owner.Where(char.IsAsciiLetterOrDigit).Take(20).ToArray()).ToLowerInvariant();
            var chatDb = await DatabaseBehindProxyAsync(prefix + "_chat", cancellationToken);
            var evalDb = await DatabaseBehindProxyAsync(prefix + "_eval", cancellationToken);
            var distDb = await DatabaseBehindProxyAsync(prefix + "_dist", cancellationToken);
            var stack = new SystemStack(this, chatDb, evalDb, distDb, environment);
            try
            {
                await stack.StartAsync(cancellationToken);
            }
            catch
            {
                await stack.DisposeAsync();
                throw;
            }

            _stack = stack;
            _stackOwner = owner;
            return stack;
        }
        finally
        {
            _stackGate.Release();
        }
    }

    /// <summary>Every dependency running, unpaused and reachable through its proxy, with no simulator or sink faults.</summary>
    public async Task RestoreAllAsync(CancellationToken cancellationToken)
    {
        foreach (var proxy in new[] { PostgresProxy, RedisProxy, ChromaProxy, OllamaProxy })
        {
            proxy.SetMode(ProxyMode.Pass);
        }

        foreach (var server in new ServerProcess[] { Postgres, Redis, Chroma })
        {
            if (server.IsPaused)
            {
                await server.ResumeAsync(cancellationToken);
            }

            if (!server.IsRunning)
            {
                await server.StartAsync(cancellationToken);
            }
        }

        Simulator.Faults.Clear();
        Sink.SetBehavior(WebhookSink.SinkBehavior.Succeed(200));
    }

    public async Task DisposeAsync()
    {
        if (_stack is not null)
        {
            await _stack.DisposeAsync();
        }

        foreach (var proxy in new[] { PostgresProxy, RedisProxy, ChromaProxy, OllamaProxy })
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }
        }

        if (Simulator is not null)
        {
            await Simulator.DisposeAsync();
        }

        if (Sink is not null)
        {
            await Sink.DisposeAsync();
        }

        await Task.WhenAll(Postgres.DisposeAsync().AsTask(), Redis.DisposeAsync().AsTask(), Chroma.DisposeAsync().AsTask());
        _stackGate.Dispose();
    }

    private async Task<string> DatabaseBehindProxyAsync(string prefix, CancellationToken cancellationToken)
    {
        var direct = await Postgres.CreateDatabaseAsync(prefix, cancellationToken);
        var builder = new NpgsqlConnectionStringBuilder(direct) { Port = PostgresProxy.Port };
        return builder.ConnectionString;
    }

    private async Task ResetStateAsync(CancellationToken cancellationToken)
    {
        // Streams and keys of the previous class's services would otherwise be read by the next ones.
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString + ",allowAdmin=true"))
        {
            foreach (var server in redis.GetServers())
            {
                await server.FlushAllDatabasesAsync();
            }
        }

        // Chroma collections are named by prefix, not by database: drop the previous class's vectors.
        using var chroma = new HttpClient { BaseAddress = Chroma.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        const string collections = "api/v2/tenants/default_tenant/databases/default_database/collections";
        using var list = await chroma.GetAsync(collections, cancellationToken);
        if (list.IsSuccessStatusCode)
        {
            var items = await list.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            foreach (var item in items.EnumerateArray())
            {
                var name = item.GetProperty("name").GetString();
                using var deleted = await chroma.DeleteAsync(
                    string.Create(CultureInfo.InvariantCulture, $"{collections}/{Uri.EscapeDataString(name!)}"), cancellationToken);
            }
        }
        Simulator.Reset();
        Sink.Reset();
    }
}
