using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json;
using ServiceDefaults.Auth;
using Testing;

namespace SystemTests.Harness;

/// <summary>
/// The three services as real processes, configured exactly as the AppHost configures them (AppHost/AppHost.cs):
/// each gets the connection strings and service addresses of the resources it references, the development
/// JWT settings, and <c>ASPNETCORE_ENVIRONMENT=Development</c>; the distributor may deliver to loopback (the sink).
/// </summary>
public sealed class SystemStack : IAsyncDisposable
{
    private const string Issuer = "aspire-chat-dev";
    private readonly SystemDependencies _deps;

    internal SystemStack(SystemDependencies deps, string chatDb, string evalDb, string distDb,
        IReadOnlyDictionary<string, string>? extra = null)
    {
        _deps = deps;
        var chatModel = $"Endpoint=http://{deps.OllamaProxy.Endpoint};Model=llama3.2:1b";
        var embedModel = $"Endpoint=http://{deps.OllamaProxy.Endpoint};Model=nomic-embed-text";
        var common = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["Auth__SigningKey"] = deps.SigningKey,
            ["Auth__Issuer"] = Issuer,
            ["ConnectionStrings__redis"] = deps.RedisProxy.Endpoint,
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            common[key] = value;
        }

        // Each service its own audience, and the callers' audiences, as the AppHost sets them.
        Distributor = new ServiceProcess(ServiceKind.DistributorService, With(common, new()
        {
            ["Auth__Audience"] = ServiceAudiences.Distributor,
            ["ConnectionStrings__distdb"] = distDb,
            ["Distributor__Ssrf__AllowPrivateNetworks"] = "true",
            // The tests post their own event types as one configured publisher (EvaluationService keeps its shipped default).
            [$"Distributor__Publishers__{PublisherSubject}__EventTypes__0"] = "*",
        }));
        Chat = new ServiceProcess(ServiceKind.ChatService, With(common, new()
        {
            ["Auth__Audience"] = ServiceAudiences.Chat,
            ["Auth__AllowedActors__0"] = "evaluationservice",
            ["Events__DistributorAuth__Audience"] = ServiceAudiences.Distributor,
            ["ConnectionStrings__chatdb"] = chatDb,
            ["ConnectionStrings__chat-model"] = chatModel,
            ["ConnectionStrings__embed-model"] = embedModel,
            ["services__chroma__http__0"] = $"http://{deps.ChromaProxy.Endpoint}",
            ["services__distributorservice__http__0"] = Distributor.BaseAddress.ToString().TrimEnd('/'),
        }));
        Evaluation = new ServiceProcess(ServiceKind.EvaluationService, With(common, new()
        {
            ["Auth__Audience"] = ServiceAudiences.Evaluation,
            ["Evaluation__ChatAuth__Audience"] = ServiceAudiences.Chat,
            ["Evaluation__DistributorAuth__Audience"] = ServiceAudiences.Distributor,
            ["ConnectionStrings__evaldb"] = evalDb,
            ["ConnectionStrings__chat-model"] = chatModel,
            ["services__chatservice__http__0"] = Chat.BaseAddress.ToString().TrimEnd('/'),
            ["services__distributorservice__http__0"] = Distributor.BaseAddress.ToString().TrimEnd('/'),
        }));
        // The user's and the operator's tokens are for all three services (as TokenTool's default), the publisher's for
        // DistributorService only.
        UserToken = DevTokenIssuer.Mint(deps.SigningKey, [new Claim("sub", "alice")], Issuer, [.. ServiceAudiences.All],
            TimeSpan.FromHours(4));
        AdminToken = DevTokenIssuer.Mint(deps.SigningKey, [new Claim("sub", "ops"), new Claim("role", AuthRoles.Admin)], Issuer,
            [.. ServiceAudiences.All], TimeSpan.FromHours(4));
        PublisherToken = DevTokenIssuer.Mint(deps.SigningKey, PublisherSubject, [AuthRoles.Publisher], Issuer, ServiceAudiences.Distributor,
            TimeSpan.FromHours(4));
    }

    public ServiceProcess Chat { get; }

    public ServiceProcess Evaluation { get; }

    public ServiceProcess Distributor { get; }

    public IReadOnlyList<ServiceProcess> All => [Chat, Evaluation, Distributor];

    public SystemDependencies Dependencies => _deps;

    /// <summary>The connection string (through the PostgreSQL proxy) of a service's own database.</summary>
    public string DatabaseOf(ServiceKind kind) => this[kind].Environment[kind switch
    {
        ServiceKind.ChatService => "ConnectionStrings__chatdb",
        ServiceKind.EvaluationService => "ConnectionStrings__evaldb",
        _ => "ConnectionStrings__distdb",
    }];

    /// <summary>Bearer token of user "alice".</summary>
    public string UserToken { get; }

    /// <summary>Bearer token of "ops", with the admin role.</summary>
    public string AdminToken { get; }

    /// <summary>The subject the tests publish events as (configured in <c>Distributor:Publishers</c> for every type).</summary>
    public const string PublisherSubject = "system-tests";

    /// <summary>Bearer token of <see cref="PublisherSubject"/>, with the publisher role: <c>POST /api/events</c>.</summary>
    public string PublisherToken { get; }

    public ServiceProcess this[ServiceKind kind] => kind switch
    {
        ServiceKind.ChatService => Chat,
        ServiceKind.EvaluationService => Evaluation,
        _ => Distributor,
    };

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(All.Select(s => s.StartAsync(cancellationToken)));
        foreach (var service in All)
        {
            await Eventually.UntilAsync(async ct => (await ProbeReadyAsync(service, ct)).Code == 200,
                TimeSpan.FromSeconds(60),
                $"{service.Name} should become ready (migrations applied, dependencies up)\n{service.LogTail(40)}", cancellationToken);
        }
    }

    /// <summary>Restarts any service a test left stopped or paused.</summary>
    public async Task EnsureRunningAsync(CancellationToken cancellationToken)
    {
        foreach (var service in All)
        {
            if (service.ProcessId is { } pid)
            {
                Signals.Send(pid, Signals.SigCont);
            }
            else
            {
                await service.StartAsync(cancellationToken);
            }
        }
    }

    /// <summary>
    /// Closes every circuit breaker of every service through the admin API (<c>GET /admin/circuit-breakers</c>, then
    /// <c>POST /admin/circuit-breakers/{name}/reset</c>), so a test starts without a breaker an earlier test opened.
    /// Returns every breaker with the state it had before the reset, as "Service/name: State".
    /// </summary>
    public async Task<IReadOnlyList<string>> ResetCircuitBreakersAsync(CancellationToken cancellationToken)
    {
        var before = new List<string>();
        foreach (var service in All)
        {
            foreach (var (name, state) in await CircuitBreakersAsync(service, cancellationToken))
            {
                await CircuitBreakerActionAsync(service, name, "reset", cancellationToken);
                before.Add($"{service.Name}/{name}: {state}");
            }
        }

        return before;
    }

    /// <summary><c>GET /admin/circuit-breakers</c> of one service: each breaker's name and state.</summary>
    public async Task<IReadOnlyList<(string Name, string State)>> CircuitBreakersAsync(ServiceProcess service,
        CancellationToken cancellationToken)
    {
        using var list = Request(HttpMethod.Get, "admin/circuit-breakers", admin: true);
        using var response = await service.Http.SendAsync(list, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{service.Name} GET /admin/circuit-breakers answered {(int)response.StatusCode}: {body}");
        }

        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.EnumerateArray()
            .Select(b => (b.GetProperty("name").GetString()!, b.GetProperty("state").GetString() ?? "?"))
            .ToArray();
    }

    /// <summary><c>POST /admin/circuit-breakers/{name}/{action}</c> (<c>isolate</c> or <c>reset</c>), which must answer 200.</summary>
    public async Task CircuitBreakerActionAsync(ServiceProcess service, string name, string action, CancellationToken cancellationToken)
    {
        using var post = Request(HttpMethod.Post, $"admin/circuit-breakers/{Uri.EscapeDataString(name)}/{action}", admin: true);
        using var answer = await service.Http.SendAsync(post, cancellationToken);
        if (!answer.IsSuccessStatusCode)
        {
            throw new InvalidOperationException(
                $"{service.Name} POST /admin/circuit-breakers/{name}/{action} answered {(int)answer.StatusCode}: " +
                $"{await answer.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>Waits until every service's readiness says <c>Healthy</c> (not merely 200: Degraded is 200 too).</summary>
    public async Task WaitAllHealthyAsync(TimeSpan bound, string when, CancellationToken cancellationToken)
    {
        foreach (var service in All)
        {
            await Eventually.UntilAsync(ct => ProbeReadyAsync(service, ct), ready => ready is { Code: 200, Status: "Healthy" }, bound,
                $"{service.Name} /health/ready should be Healthy {when}", cancellationToken);
        }
    }

    /// <summary>GET /health/ready: status code, the body's <c>status</c> and how long the answer took (timeout → code 0).</summary>
    public static async Task<ProbeResult> ProbeReadyAsync(ServiceProcess service, CancellationToken cancellationToken) =>
        await ProbeAsync(service, "health/ready", cancellationToken);

    public static async Task<ProbeResult> ProbeAliveAsync(ServiceProcess service, CancellationToken cancellationToken) =>
        await ProbeAsync(service, "alive", cancellationToken);

    /// <summary>A request with the user's (or admin's) token and, when given, a lowered budget (<c>X-Request-Timeout-Ms</c>).</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, object? json = null, bool admin = false, TimeSpan? budget = null,
        bool publisher = false)
    {
        var request = new HttpRequestMessage(method, path.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            publisher ? PublisherToken : admin ? AdminToken : UserToken);
        if (json is not null)
        {
            request.Content = JsonContent.Create(json, options: JsonSerializerOptions.Web);
        }

        if (budget is { } b)
        {
            request.Headers.Add("X-Request-Timeout-Ms",
                ((int)b.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in All)
        {
            await service.DisposeAsync();
        }
    }

    private static async Task<ProbeResult> ProbeAsync(ServiceProcess service, string path, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        using var bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var response = await service.Http.GetAsync(path, bound.Token);
            var body = await response.Content.ReadAsStringAsync(bound.Token);
            string? status = null;
            if (response.Content.Headers.ContentType?.MediaType == "application/json")
            {
                using var doc = JsonDocument.Parse(body);
                status = doc.RootElement.TryGetProperty("status", out var s) ? s.GetString() : null;
            }
            else
            {
                status = body.Trim();
            }

            return new ProbeResult((int)response.StatusCode, status, stopwatch.Elapsed, body);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new ProbeResult(0, null, stopwatch.Elapsed, e.Message);
        }
    }

    private static Dictionary<string, string> With(Dictionary<string, string> common, Dictionary<string, string> own)
    {
        var all = new Dictionary<string, string>(common);
        foreach (var (key, value) in own)
        {
            all[key] = value;
        }

        return all;
    }
}
