using LocalEmbeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace ChatService.Llm;

/// <summary>
/// Loads the in-process embedding model in the background at start (about 1.5 s, once per process), so the first
/// question's embedding fits its <see cref="EmbeddingOptions.QueryTimeout"/>. Readiness does not wait for it: until it is
/// loaded, a question that needs it waits for its turn like any other call.
/// </summary>
internal sealed partial class EmbeddedModelWarmUp(LlmModels models, IOptions<EmbeddingOptions> options, ILogger<EmbeddedModelWarmUp> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Embedded.WarmUpOnStart || models.Embeddings?.GetService<MiniLmEmbeddingGenerator>() is not { } generator)
        {
            return;
        }

        try
        {
            await generator.WarmUpAsync(stoppingToken);
            LogLoaded(MiniLmModel.ModelName, MiniLmModel.Shared().LoadTime.TotalMilliseconds);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The first call loads it instead (and fails through the embeddings breaker if the model cannot run here).
            LogFailed(ex, MiniLmModel.ModelName);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "In-process embedding model {Model} ready (loaded in {LoadMs:F0} ms)")]
    private partial void LogLoaded(string model, double loadMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "In-process embedding model {Model} could not be loaded at start")]
    private partial void LogFailed(Exception ex, string model);
}
