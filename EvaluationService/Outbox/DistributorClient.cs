using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace EvaluationService.Outbox;

/// <summary>
/// Typed client for DistributorService. A short call: it keeps the standard resilience handler (retries within one
/// send); the outbox relay retries across sends with its own backoff.
/// </summary>
public sealed class DistributorClient(HttpClient http)
{
    /// <summary>True when the distributor accepted (2xx) or already had (409) the event; throws when it should be retried.</summary>
    public async Task<DeliveryResult> SendAsync(DistributorEvent message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
        {
            Content = JsonContent.Create(message, options: JsonSerializerOptions.Web),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", message.IdempotencyKey);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict)
        {
            return DeliveryResult.Delivered;
        }

        var status = (int)response.StatusCode;
        return status is >= 500 or 408 or 429 ? DeliveryResult.Retry($"distributor answered {status}") : DeliveryResult.Rejected($"distributor answered {status}");
    }
}
