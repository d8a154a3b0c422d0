using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace ChatService.Chroma;

/// <summary>Readiness (degraded only: retrieval falls back to full text): <c>GET /api/v2/heartbeat</c>.</summary>
internal sealed class ChromaHealthCheck(IHttpClientFactory factory, IOptions<ChromaOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var client = factory.CreateClient(ChromaRegistration.ProbeClientName);
        if (client.BaseAddress is null)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Chroma not configured (services__chroma__http__0)");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.HealthTimeout);
        try
        {
            using var response = await client.GetAsync("api/v2/heartbeat", timeout.Token);
            return response.IsSuccessStatusCode
                ? HealthCheckResult.Healthy()
                : new HealthCheckResult(context.Registration.FailureStatus, $"Chroma answered {(int)response.StatusCode}");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "Chroma unreachable", ex);
        }
    }
}
