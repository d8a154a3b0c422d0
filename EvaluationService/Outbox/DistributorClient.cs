using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EvaluationService.Auth;
using ServiceDefaults.Auth;

namespace EvaluationService.Outbox;

/// <summary>
/// Typed client for DistributorService. A short call: it keeps the standard resilience handler (retries within one
/// send); the outbox relay retries across sends with its own backoff. Authenticates as the service itself with the
/// <c>Evaluation:DistributorAuth</c> token (see <see cref="ServiceTokenProvider"/>).
/// </summary>
public sealed class DistributorClient(HttpClient http, ServiceTokenProvider tokens)
{
    /// <summary>Delivered when the distributor accepted (2xx) or already had (409) the event; otherwise why not and whether to retry.</summary>
    public async Task<DeliveryResult> SendAsync(DistributorEvent message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
        {
            Content = JsonContent.Create(message, options: JsonSerializerOptions.Web),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", message.IdempotencyKey);
        if (tokens.TokenFor(ServiceClients.Distributor) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict)
        {
            return DeliveryResult.Delivered;
        }

        var status = (int)response.StatusCode;
        return status switch
        {
            401 or 403 => DeliveryResult.Unauthenticated(
                $"distributor answered {status}: check Evaluation:DistributorAuth (and the Auth issuer/audience/signing key shared with DistributorService)"),
            >= 500 or 408 or 429 => DeliveryResult.Retry($"distributor answered {status}"),
            _ => DeliveryResult.Rejected($"distributor answered {status}"),
        };
    }
}
