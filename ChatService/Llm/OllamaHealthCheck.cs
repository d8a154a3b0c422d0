using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatService.Llm;

/// <summary>Readiness (degraded only: chat answers from passages without the LLM): <c>GET /api/version</c> with a short timeout.</summary>
internal sealed class OllamaHealthCheck(IHttpClientFactory factory, LlmModels models, IOptions<LlmOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (models.ChatConnection is null)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "No chat model configured (ConnectionStrings__chat-model)");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthTimeout);
        try
        {
            using var response = await factory.CreateClient(LlmRegistration.ProbeClientName).GetAsync("api/version", timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, $"Ollama answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Ollama unreachable", ex);
        }
    }
}
