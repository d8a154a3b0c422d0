using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;

namespace DurableJobs.Events;

/// <summary>
/// Posts one staged event to DistributorService <c>POST /api/events</c> with the service's token (client
/// <see cref="EventPublishingRegistration.TokenClient"/>) and the event's idempotency key. Accepted (2xx) or already known
/// (409) ends the job; an unreachable, slow or failing distributor (network error, timeout, 408, 429, 5xx) and a refused
/// credential (401/403, logged as a configuration error) throw, so the queue retries with backoff and dead-letters after
/// its attempts (replay at <c>/admin/queues/&lt;queue&gt;/dead-letters/replay</c>); any other 4xx is permanent.
/// </summary>
public sealed partial class EventPublishingHandler(
    IHttpClientFactory clients,
    ServiceTokenProvider tokens,
    IOptions<EventPublishingOptions> options,
    ILogger<EventPublishingHandler> logger) : IJobHandler<OutboundEvent>
{
    public async Task<object?> HandleAsync(OutboundEvent message, JobContext job, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/events")
        {
            Content = JsonContent.Create(message, options: JsonSerializerOptions.Web),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", message.IdempotencyKey);
        if (tokens.TokenFor(EventPublishingRegistration.TokenClient) is { } token)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        var http = clients.CreateClient(EventPublishingRegistration.HttpClientName);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.SendTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"DistributorService did not answer within {options.Value.SendTimeout}.", ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict)
            {
                LogDelivered(logger, message.Type, message.IdempotencyKey, job.Attempt);
                return new { status };
            }

            var detail = await ReadDetailAsync(response, cancellationToken);
            switch (status)
            {
                case 401 or 403:
                    // why: an operator can fix the credentials or Distributor:Publishers; the event is delivered once they do
                    LogRefused(logger, message.Type, status, detail);
                    throw new HttpRequestException($"DistributorService refused the service token ({status}): {detail}", null,
                        response.StatusCode);
                case >= 500 or 408 or 429:
                    throw new HttpRequestException($"DistributorService answered {status}: {detail}", null, response.StatusCode);
                default:
                    throw new PermanentJobException("EVENT_REJECTED", $"DistributorService refused the event ({status}): {detail}");
            }
        }
    }

    private static async Task<string> ReadDetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length > 500 ? text[..500] : text;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Event {Type} ({IdempotencyKey}) delivered to DistributorService on attempt {Attempt}")]
    private static partial void LogDelivered(ILogger logger, string type, string idempotencyKey, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message =
        "DistributorService refused the {Type} event with {Status}, a configuration error: check Events:DistributorAuth " +
        "(subject, audience, role publisher) and Distributor:Publishers on DistributorService. {Detail}")]
    private static partial void LogRefused(ILogger logger, string type, int status, string detail);
}
