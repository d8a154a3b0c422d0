using Microsoft.Extensions.Configuration;

namespace AppHost;

/// <summary>
/// The two model connection strings, <c>chat-model</c> and <c>embed-model</c> (<c>Endpoint=http://host:port;Model=name</c>).
/// <list type="bullet">
/// <item><c>Ollama:Simulate=true</c>: the project's Ollama simulator (tests/OllamaSimulator) as a project resource;
/// chat answers end to end without a model. Any mode.</item>
/// <item>containers mode built with UseOllamaToolkit=true (the default) and no <c>OLLAMA_URL</c>: an Ollama container
/// with two model resources (OllamaContainer.cs).</item>
/// <item>publishing without <c>OLLAMA_URL</c> (and without the toolkit): connection-string parameters.</item>
/// <item>otherwise an external Ollama at <c>OLLAMA_URL</c> (default http://127.0.0.1:11434); when nothing answers
/// there, ChatService reports the LLM degraded and answers from retrieved passages. When that Ollama has not got the
/// embedding model (or does not answer at start), ChatService embeds with its in-process model
/// (<see cref="EmbeddingProvider"/> = <c>Embedded</c>), so retrieval stays hybrid on a machine without a model server.</item>
/// </list>
/// The AppHost setting <c>Embeddings:Provider</c> (<c>Auto</c>, <c>Ollama</c>, <c>Embedded</c>, <c>None</c>) overrides the choice.
/// </summary>
internal sealed record ModelEndpoints(
    IResourceBuilder<IResourceWithConnectionString> ChatModel,
    IResourceBuilder<IResourceWithConnectionString> EmbedModel,
    IReadOnlyList<IResourceBuilder<IResource>> Ready,
    string? EmbeddingProvider = null)
{
    public const string DefaultOllamaUrl = "http://127.0.0.1:11434";

    /// <summary>How long a local run waits for Ollama's model list at start.</summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static async Task<ModelEndpoints> AddAsync(IDistributedApplicationBuilder builder, DependencyMode mode,
        CancellationToken cancellationToken)
    {
        var endpoints = Add(builder, mode);
        if (builder.Configuration["Embeddings:Provider"] is { Length: > 0 } configured)
        {
            return endpoints with { EmbeddingProvider = configured };
        }

        var simulated = builder.Configuration.GetValue("Ollama:Simulate", false);
        if (builder.ExecutionContext.IsPublishMode || endpoints.Ready.Count > 0 || simulated)
        {
            return endpoints;
        }

        var url = builder.Configuration["OLLAMA_URL"] is { Length: > 0 } given ? given.TrimEnd('/') : DefaultOllamaUrl;
        var embedModel = RequiredSetting(builder, "Ollama:EmbeddingModel");
        var available = await OllamaProbe.HasModelAsync(new Uri(url + "/"), embedModel, ProbeTimeout, cancellationToken);
        return available ? endpoints : endpoints with { EmbeddingProvider = "Embedded" };
    }

    public static ModelEndpoints Add(IDistributedApplicationBuilder builder, DependencyMode mode)
    {
        var chatModel = RequiredSetting(builder, "Ollama:ChatModel");
        var embedModel = RequiredSetting(builder, "Ollama:EmbeddingModel");

        if (builder.Configuration.GetValue("Ollama:Simulate", false))
        {
            // The simulator has no launch profile: the endpoint is declared here (ASPNETCORE_URLS is set from it).
            var simulator = builder.AddProject<Projects.OllamaSimulator>("ollama-simulator")
                .WithHttpEndpoint(name: "http")
                .WithArgs($"--Simulator:ChatModels={chatModel}", $"--Simulator:EmbeddingModels={embedModel}")
                .WithHttpHealthCheck("/api/version", endpointName: "http");
            var endpoint = simulator.GetEndpoint("http");
            return new ModelEndpoints(
                builder.AddConnectionString("chat-model", ReferenceExpression.Create($"Endpoint={endpoint};Model={chatModel}")),
                builder.AddConnectionString("embed-model", ReferenceExpression.Create($"Endpoint={endpoint};Model={embedModel}")),
                [simulator]);
        }

        var ollamaUrl = builder.Configuration["OLLAMA_URL"];
#if OLLAMA_TOOLKIT
        if (mode == DependencyMode.Containers && string.IsNullOrEmpty(ollamaUrl))
        {
            return OllamaContainer.Add(builder, chatModel, embedModel);
        }
#else
        _ = mode;
#endif

        if (builder.ExecutionContext.IsPublishMode && string.IsNullOrEmpty(ollamaUrl))
        {
            // A deployment names its own model endpoint: connection-string parameters (ConnectionStrings:chat-model…),
            // asked for by azd or set in the target environment, never this machine's loopback.
            return new ModelEndpoints(builder.AddConnectionString("chat-model"), builder.AddConnectionString("embed-model"), []);
        }

        var url = string.IsNullOrEmpty(ollamaUrl) ? DefaultOllamaUrl : ollamaUrl.TrimEnd('/');
        if (!Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            throw new InvalidOperationException($"OLLAMA_URL must be an absolute URL such as {DefaultOllamaUrl}, not '{url}'.");
        }

        // why no WaitFor: an absent Ollama is a degraded ChatService, not one that never starts.
        return new ModelEndpoints(
            builder.AddConnectionString("chat-model", ReferenceExpression.Create($"Endpoint={url};Model={chatModel}")),
            builder.AddConnectionString("embed-model", ReferenceExpression.Create($"Endpoint={url};Model={embedModel}")),
            []);
    }

    public static string RequiredSetting(IDistributedApplicationBuilder builder, string key) =>
        builder.Configuration[key] is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"AppHost setting '{key}' is missing; it belongs in AppHost/appsettings.json.");
}
