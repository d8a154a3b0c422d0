// Compiled only with UseOllamaToolkit=true (the default; see AppHost.csproj): CommunityToolkit.Aspire.Hosting.Ollama
// is not on every NuGet feed. Containers mode: an Ollama container with a data volume, the two model resources
// (pulled when Ollama is ready, healthy once present) and GPU support from the ollama-gpu parameter.
namespace AppHost;

internal static class OllamaContainer
{
    public static ModelEndpoints Add(IDistributedApplicationBuilder builder, string chatModel, string embedModel)
    {
        var ollama = builder.AddOllama("ollama")
            .WithDataVolume();
        // Declared so it shows (and can be set) like any parameter; its value is read here, before anything starts.
        builder.AddParameter("ollama-gpu")
            .WithDescription("GPU for the Ollama container: false, nvidia (or true) or amd. Read once, when the AppHost starts.")
            .ExcludeFromManifest();
        ollama = WithConfiguredGpu(ollama, builder.Configuration["Parameters:ollama-gpu"]);

        var chat = ollama.AddModel("chat-model", chatModel);
        var embed = ollama.AddModel("embed-model", embedModel);
        return new ModelEndpoints(chat, embed, [chat, embed]);
    }

    // why a build-time read: GPU support is container runtime arguments, fixed before anything starts
    // (Parameters:ollama-gpu: appsettings.json, user secrets, or the Parameters__ollama-gpu environment variable).
    private static IResourceBuilder<OllamaResource> WithConfiguredGpu(IResourceBuilder<OllamaResource> ollama, string? configured)
    {
        var gpu = configured?.Trim() ?? string.Empty;
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
}
