using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using OllamaSimulator;
using ServiceDefaults.Auth;
using Testing;

namespace ChatService.Tests.Infrastructure;

/// <summary>
/// A running ChatService with its own database, wired to real PostgreSQL/Redis (and Chroma when given) and to an
/// Ollama simulator. Budgets are shortened so fault tests finish in seconds.
/// </summary>
public sealed class ChatApp : IAsyncDisposable
{
    public const string SigningKey = "chat-service-tests-signing-key-0123456789abcdef";

    private readonly ChatAppFactory _factory;

    private ChatApp(ChatAppFactory factory, string database)
    {
        _factory = factory;
        Database = database;
    }

    public string Database { get; }

    public IServiceProvider Services => _factory.Services;

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<ChatApp> StartAsync(PostgresServer postgres, string redisConnection, Uri? chroma,
        OllamaSimulatorServer? simulator, IDictionary<string, string?>? overrides = null, CancellationToken cancellationToken = default,
        string? database = null)
    {
        // why: a given database restarts the service on the data of an earlier instance (a configuration change)
        database ??= await postgres.CreateDatabaseAsync("chat", cancellationToken);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:chatdb"] = postgres.ConnectionStringFor(database),
            ["ConnectionStrings:redis"] = redisConnection,
            ["Auth:SigningKey"] = SigningKey,
            ["Auth:AllowSigningKeyOutsideDevelopment"] = "true", // the "Testing" environment
            ["Logging:PlainConsole"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Llm:FirstTokenTimeout"] = "00:00:03",
            ["Llm:IdleTimeout"] = "00:00:02",
            ["Llm:RetryDelay"] = "00:00:00.050",
            ["Ingestion:ReindexInterval"] = "00:00:00.500",
            ["Jobs:SweepInterval"] = "00:00:00.500",
            ["Jobs:RedispatchAfter"] = "00:00:01",
            ["Jobs:Queues:ingestion:RetryInitialDelay"] = "00:00:00.200",
            ["Activity:Channel"] = $"chat:activity:{database}",
        };
        if (simulator is not null)
        {
            var endpoint = simulator.BaseAddress.ToString().TrimEnd('/');
            settings["ConnectionStrings:chat-model"] = $"Endpoint={endpoint};Model=llama3.2";
            settings["ConnectionStrings:embed-model"] = $"Endpoint={endpoint};Model=all-minilm";
        }

        if (chroma is not null)
        {
            settings["services:chroma:http:0"] = chroma.ToString().TrimEnd('/');
            settings["Chroma:CollectionPrefix"] = $"t{Guid.NewGuid():N}";
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var factory = new ChatAppFactory(settings);
        factory.UseKestrel(0);
        factory.StartServer();
        var app = new ChatApp(factory, database);
        using var probe = factory.CreateClient();
        app.BaseAddress = probe.BaseAddress!;
        return app;
    }

    /// <summary>An HttpClient authenticated as <paramref name="userId"/> (a real socket client: disconnects are real).</summary>
    public HttpClient ClientFor(string userId, TimeSpan? timeout = null)
    {
        var client = _factory.CreateClient();
        client.Timeout = timeout ?? TimeSpan.FromSeconds(60);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenFor(userId));
        return client;
    }

    public HttpClient AnonymousClient() => _factory.CreateClient();

    public static string TokenFor(string userId) =>
        DevTokenIssuer.Mint(SigningKey, userId, admin: false, "aspire-chat-dev", ServiceAudiences.Chat, TimeSpan.FromHours(1));

    public static string AdminTokenFor(string userId) =>
        DevTokenIssuer.Mint(SigningKey, userId, admin: true, "aspire-chat-dev", ServiceAudiences.Chat, TimeSpan.FromHours(1));

    public T Get<T>() where T : notnull => _factory.Services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
