using OllamaSimulator;
using Testing;

namespace EvaluationBench;

/// <summary>
/// Its own PostgreSQL, Redis and Chroma (tests/Testing), the Ollama simulator in-process, and ChatService and
/// EvaluationService as processes with the AppHost's variables. The judge is off so each case is exactly one
/// ChatService answer (one LLM call), which is what the ideal time counts.
/// </summary>
internal sealed class BenchStack : IAsyncDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly RedisServer _redis = new();
    private readonly ChromaServer _chroma = new();
    private readonly List<ServiceHost> _services = [];

    public OllamaSimulatorServer Simulator { get; private set; } = null!;

    public ServiceHost Chat { get; private set; } = null!;

    public ServiceHost Evaluation { get; private set; } = null!;

    public static async Task<BenchStack> StartAsync(string signingKey, CancellationToken cancellationToken)
    {
        var stack = new BenchStack();
        try
        {
            await stack.StartCoreAsync(signingKey, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(string signingKey, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_postgres.StartAsync(cancellationToken), _redis.StartAsync(cancellationToken), _chroma.StartAsync(cancellationToken));
        Simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: cancellationToken);
        var ollama = Simulator.BaseAddress.ToString().TrimEnd('/');
        var chatModel = $"Endpoint={ollama};Model=llama3.2:1b";
        // Nothing listens there: evaluation.completed waits in the outbox, which does not affect the run.
        var distributor = $"http://127.0.0.1:{FreePort.Next()}";
        Dictionary<string, string> Common() => new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Auth__SigningKey"] = signingKey,
            ["Auth__Issuer"] = "aspire-chat-dev",
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["services__distributorservice__http__0"] = distributor,
            ["Logging__LogLevel__Default"] = "Error",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };

        var chat = Common();
        // why: each service has its own audience (as in the AppHost); EvaluationService calls ChatService with a
        // delegated token for audience chatservice, which ChatService accepts from the actor evaluationservice.
        chat["Auth__Audience"] = "chatservice";
        chat["Auth__AllowedActors__0"] = "evaluationservice";
        chat["ConnectionStrings__chatdb"] = await _postgres.CreateDatabaseAsync("evalbench_chat", cancellationToken);
        chat["ConnectionStrings__chat-model"] = chatModel;
        chat["ConnectionStrings__embed-model"] = $"Endpoint={ollama};Model=nomic-embed-text";
        chat["services__chroma__http__0"] = _chroma.Endpoint;
        Chat = await ServiceHost.StartAsync("ChatService", chat, cancellationToken);
        _services.Add(Chat);

        var evaluation = Common();
        evaluation["Auth__Audience"] = "evaluationservice";
        evaluation["Evaluation__ChatAuth__Audience"] = "chatservice";
        evaluation["ConnectionStrings__evaldb"] = await _postgres.CreateDatabaseAsync("evalbench_eval", cancellationToken);
        evaluation["ConnectionStrings__chat-model"] = chatModel;
        evaluation["services__chatservice__http__0"] = Chat.BaseAddress.ToString().TrimEnd('/');
        evaluation["Evaluation__Judge__Enabled"] = "false";
        // why: the warm-up creates a suite and starts a run every few seconds, beyond the per-user limits meant for people
        evaluation["RateLimits__runs__Enabled"] = "false";
        evaluation["RateLimits__suites__Enabled"] = "false";
        Evaluation = await ServiceHost.StartAsync("EvaluationService", evaluation, cancellationToken);
        _services.Add(Evaluation);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        if (Simulator is not null)
        {
            await Simulator.DisposeAsync();
        }

        await Task.WhenAll(_postgres.DisposeAsync().AsTask(), _redis.DisposeAsync().AsTask(), _chroma.DisposeAsync().AsTask());
    }
}
