// The Aspire orchestrator: PostgreSQL, Redis, Ollama and Chroma containers plus the three services.
// Resource names are the configuration contract with the services (DESIGN.md §2): they arrive as
// ConnectionStrings__chatdb|evaldb|distdb|redis|chat-model|embed-model and
// services__chroma__http__0, services__chatservice__http__0, services__distributorservice__http__0.

var builder = DistributedApplication.CreateBuilder(args);

var postgres = builder.AddPostgres("postgres")
    .WithDataVolume()
    .WithPgAdmin();
var chatDb = postgres.AddDatabase("chatdb");
var evalDb = postgres.AddDatabase("evaldb");
var distDb = postgres.AddDatabase("distdb");

#pragma warning disable ASPIRECERTIFICATES001 // experimental API; see the comment on WithoutHttpsCertificate
var redis = builder.AddRedis("redis")
    .WithDataVolume()
    .WithRedisInsight()
    // why: in run mode Aspire otherwise serves Redis over TLS with the ASP.NET Core development certificate
    // (ssl=true in the connection string), and StackExchange.Redis then refuses the connection wherever that
    // certificate is not trusted (microsoft/aspire#13696, #14305). Plain TCP on the local container network.
    .WithoutHttpsCertificate();
#pragma warning restore ASPIRECERTIFICATES001

var ollama = builder.AddOllama("ollama")
    .WithDataVolume();
var ollamaGpu = builder.AddParameter("ollama-gpu")
    .WithDescription("GPU for the Ollama container: false, nvidia (or true) or amd. Read once, when the AppHost starts.")
    .ExcludeFromManifest();
using (var gpuReadBudget = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
{
    ollama = await WithConfiguredGpuAsync(ollama, ollamaGpu, gpuReadBudget.Token);
}

var chatModel = ollama.AddModel("chat-model", RequiredSetting("Ollama:ChatModel"));
var embedModel = ollama.AddModel("embed-model", RequiredSetting("Ollama:EmbeddingModel"));

// Chroma 1.x images run `chroma run /config.yaml`, whose persist_path is /data.
var chroma = builder.AddContainer("chroma", "chromadb/chroma", "1.0.15")
    .WithImageRegistry("docker.io")
    .WithHttpEndpoint(targetPort: 8000, name: "http")
    .WithHttpHealthCheck("/api/v2/heartbeat", endpointName: "http");
chroma = chroma.WithVolume(VolumeNameGenerator.Generate(chroma, "data"), "/data");

// Development JWT settings shared by every service (ServiceDefaults reads Auth:SigningKey, Auth:Issuer,
// Auth:Audience). The key is generated on the first run and kept in the AppHost's user secrets.
var authSigningKey = builder.AddParameter("auth-signing-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);
var authIssuer = builder.AddParameter("auth-issuer");
var authAudience = builder.AddParameter("auth-audience");

// Destination secrets are encrypted at rest with this key (hashed to AES-256); generated once, kept in user secrets.
var distributorSecretsKey = builder.AddParameter("distributor-secrets-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true, persist: true);

var distributor = AddService<Projects.DistributorService>("distributorservice")
    .WithEnvironment("Distributor__Secrets__EncryptionKey", distributorSecretsKey)
    .WithReference(distDb).WaitFor(distDb)
    .WithReference(redis).WaitFor(redis);

var chatService = AddService<Projects.ChatService>("chatservice")
    .WithReference(chatDb).WaitFor(chatDb)
    .WithReference(redis).WaitFor(redis)
    .WithReference(chatModel).WaitFor(chatModel)
    .WithReference(embedModel).WaitFor(embedModel)
    .WithReference(chroma.GetEndpoint("http")).WaitFor(chroma)
    // why no WaitFor: ChatService only posts events to it (DESIGN.md §2) and must start without it.
    .WithReference(distributor)
    .WithExternalHttpEndpoints();

AddService<Projects.EvaluationService>("evaluationservice")
    .WithReference(evalDb).WaitFor(evalDb)
    .WithReference(redis).WaitFor(redis)
    // why no WaitFor on ChatService or the judge model: a run against a missing dependency fails its cases as
    // system errors; the service itself must start and answer without them.
    .WithReference(chatService)
    .WithReference(chatModel)
    .WithReference(distributor);

await builder.Build().RunAsync();

IResourceBuilder<ProjectResource> AddService<TProject>(string name) where TProject : IProjectMetadata, new() =>
    builder.AddProject<TProject>(name)
        .WithEnvironment("Auth__SigningKey", authSigningKey)
        .WithEnvironment("Auth__Issuer", authIssuer)
        .WithEnvironment("Auth__Audience", authAudience)
        .WithHttpHealthCheck("/health/ready", endpointName: "http");

string RequiredSetting(string key) =>
    builder.Configuration[key] is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException($"AppHost setting '{key}' is missing; it belongs in AppHost/appsettings.json.");

// why a build-time read: GPU support is container runtime arguments, fixed before anything starts. Before
// Build() a parameter has no pending prompt, so GetValueAsync returns the configured value
// (Parameters:ollama-gpu: appsettings.json, user secrets, or the Parameters__ollama-gpu environment variable).
static async Task<IResourceBuilder<OllamaResource>> WithConfiguredGpuAsync(
    IResourceBuilder<OllamaResource> ollama, IResourceBuilder<ParameterResource> gpuParameter, CancellationToken cancellationToken)
{
    var gpu = (await gpuParameter.Resource.GetValueAsync(cancellationToken))?.Trim() ?? string.Empty;
    if (gpu.Length == 0 || gpu.Equals("false", StringComparison.OrdinalIgnoreCase))
    {
        return ollama;
    }

    if (gpu.Equals("true", StringComparison.OrdinalIgnoreCase) || gpu.Equals("nvidia", StringComparison.OrdinalIgnoreCase))
    {
        return ollama.WithGPUSupport(OllamaGpuVendor.Nvidia);
    }

    if (gpu.Equals("amd", StringComparison.OrdinalIgnoreCase))
    {
        return ollama.WithGPUSupport(OllamaGpuVendor.AMD);
    }

    throw new InvalidOperationException($"Parameters:ollama-gpu must be false, true, nvidia or amd, not '{gpu}'.");
}
