// The Aspire orchestrator: PostgreSQL, Redis, Chroma and the model endpoints, plus the three services.
// Resource names are the configuration contract with the services: they arrive as
// ConnectionStrings__chatdb|evaldb|distdb|redis|chat-model|embed-model and
// services__chroma__http__0, services__chatservice__http__0, services__distributorservice__http__0.
//
// Dependencies:Mode chooses where the dependencies come from (README, "Running with Aspire"):
//   containers  PostgreSQL + pgAdmin, Redis + Redis Insight, Chroma as containers with data volumes; Ollama as a
//               container with two model resources when compiled with UseOllamaToolkit=true (the default);
//               Open WebUI on ChatService's /v1.
//   local       PostgreSQL, Redis and Chroma as executable resources from the binaries eng/install-deps.sh
//               installs, data under .local/apphost/. No container resource is declared.
//   (unset)     containers when a container runtime answers (`docker info`, or ASPIRE_CONTAINER_RUNTIME), else
//               local; publishing (the manifest) always describes containers.
// Either way the services get the same variables (ReferenceEnvironment: connection strings and service
// discovery only), so a service cannot tell the modes apart.
using AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// why: no caller to cancel at start-up; ResolveAsync bounds its container-runtime probe itself (5 s)
var mode = await DependencyModes.ResolveAsync(builder, CancellationToken.None);
var dependencies = mode == DependencyMode.Containers
    ? ContainerDependencies.Add(builder)
    : LocalDependencies.Add(builder);
// why: no caller to cancel at start-up; the Ollama model probe bounds itself (2 s)
var models = await ModelEndpoints.AddAsync(builder, mode, CancellationToken.None);

// Development JWT settings (ServiceDefaults reads Auth:SigningKey, Auth:Issuer, Auth:Audience). The key is generated
// on the first run and kept in the AppHost's user secrets. Each service has its own audience (<name>-audience): a token
// for one service is not a token for another; a caller mints its tokens for the audience of the service it calls.
var authSigningKey = builder.AddParameter("auth-signing-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);
var authIssuer = builder.AddParameter("auth-issuer");
var chatAudience = builder.AddParameter("chatservice-audience");
var evaluationAudience = builder.AddParameter("evaluationservice-audience");
var distributorAudience = builder.AddParameter("distributorservice-audience");

// Destination secrets are encrypted at rest with this key (hashed to AES-256); generated once, kept in user secrets.
var distributorSecretsKey = builder.AddParameter("distributor-secrets-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var distributor = AddService<Projects.DistributorService>("distributorservice", distributorAudience)
    .WithEnvironment("Distributor__Secrets__EncryptionKey", distributorSecretsKey)
    .WithReference(dependencies.DistDb).WaitFor(dependencies.DistDbReady)
    .WithReference(dependencies.Redis).WaitFor(dependencies.RedisReady);

var chatService = AddService<Projects.ChatService>("chatservice", chatAudience)
    // why: EvaluationService calls ChatService for a run's owner with a delegated token (act.sub = evaluationservice)
    .WithEnvironment("Auth__AllowedActors__0", "evaluationservice")
    .WithEnvironment("Events__DistributorAuth__Audience", distributorAudience)
    .WithReference(dependencies.ChatDb).WaitFor(dependencies.ChatDbReady)
    .WithReference(dependencies.Redis).WaitFor(dependencies.RedisReady)
    .WithReference(models.ChatModel)
    .WithReference(models.EmbedModel)
    .WithReference(dependencies.Chroma).WaitFor(dependencies.ChromaReady)
    // why no WaitFor: ChatService only posts events to it (its events queue retries) and must start without it; the
    // reference (services__distributorservice__http__0) is what turns its event publishing on.
    .WithReference(distributor)
    .WithExternalHttpEndpoints();
foreach (var ready in models.Ready)
{
    chatService.WaitFor(ready);
}

// Containers mode: Open WebUI, a browser chat UI, on ChatService's OpenAI-compatible API (OpenWebUi.cs; off with
// OpenWebUI:Enabled=false). Local mode declares no container, so it has none: ChatService's own page is at its URL.
if (mode == DependencyMode.Containers && !string.Equals(builder.Configuration["OpenWebUI:Enabled"], "false",
    StringComparison.OrdinalIgnoreCase))
{
    OpenWebUi.Add(builder, chatService, authSigningKey, authIssuer, chatAudience);
}

if (models.EmbeddingProvider is { } embeddingProvider)
{
    // why: without Ollama's embedding model the in-process one keeps retrieval hybrid (ModelEndpoints.AddAsync)
    chatService.WithEnvironment("Embeddings__Provider", embeddingProvider);
}

AddService<Projects.EvaluationService>("evaluationservice", evaluationAudience)
    .WithEnvironment("Evaluation__ChatAuth__Audience", chatAudience)
    .WithEnvironment("Evaluation__DistributorAuth__Audience", distributorAudience)
    .WithReference(dependencies.EvalDb).WaitFor(dependencies.EvalDbReady)
    .WithReference(dependencies.Redis).WaitFor(dependencies.RedisReady)
    // why no WaitFor on ChatService or the judge model: a run against a missing dependency fails its cases as
    // system errors; the service itself must start and answer without them.
    .WithReference(chatService)
    .WithReference(models.ChatModel)
    .WithReference(distributor);

await builder.Build().RunAsync();

IResourceBuilder<ProjectResource> AddService<TProject>(string name, IResourceBuilder<ParameterResource> audience)
    where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        // why: WithReference on a database resource would also inject CHATDB_HOST, CHATDB_PASSWORD…, which a
        // connection-string resource (local mode) has not; the services read only these two kinds.
        .WithReferenceEnvironment(ReferenceEnvironmentInjectionFlags.ConnectionString | ReferenceEnvironmentInjectionFlags.ServiceDiscovery)
        .WithEnvironment("Auth__SigningKey", authSigningKey)
        .WithEnvironment("Auth__Issuer", authIssuer)
        .WithEnvironment("Auth__Audience", audience)
        .WithHttpHealthCheck("/health/ready", endpointName: "http");
