using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using DistributorService.Data;
using DistributorService.Options;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;

namespace DistributorService.Delivery;

/// <summary>
/// Sends one request to a destination through its circuit breaker, with its own timeout, auth and signature,
/// and classifies what happened. Never throws for destination failures; only the caller's cancellation escapes.
/// </summary>
public sealed class DeliverySender(
    DestinationConnections connections,
    DestinationBreakers breakers,
    OAuthTokenCache tokens,
    DestinationRateLimiter rates,
    IOptionsMonitor<DistributorOptions> options,
    TimeProvider time)
{
    public async Task<DeliveryOutcome> SendAsync(DeliveryTarget target, string messageId, byte[] body, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var connection = connections.For(target);
        using var permits = await AcquirePermitsAsync(target, connection, cancellationToken);
        if (permits is null)
        {
            return Failure(true, DeliveryErrorCodes.Throttled,
                "No concurrency or rate-limit permit of the destination within the permit wait.", started);
        }

        try
        {
            return await breakers.For(target.Id, target.MaxConcurrency).ExecuteAsync(
                static async (state, ct) => await state.self.SendOnceAsync(state.target, state.connection, state.messageId, state.body, ct),
                (self: this, target, connection, messageId, body), cancellationToken);
        }
        catch (BrokenCircuitException ex)
        {
            return new DeliveryOutcome(false, true, null, DeliveryErrorCodes.CircuitOpen,
                "The destination's circuit breaker is open.", ex.RetryAfter, time.GetElapsedTime(started));
        }
    }

    /// <summary>Both permits of the destination, or null when they could not be had within
    /// <see cref="DeliveryOptions.PermitWait"/>.</summary>
    private async Task<IDisposable?> AcquirePermitsAsync(DeliveryTarget target, DestinationConnection connection,
        CancellationToken cancellationToken)
    {
        using var wait = new CancellationTokenSource(options.CurrentValue.Delivery.PermitWait, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wait.Token);
        RateLimitLease? concurrency = null;
        try
        {
            concurrency = await connection.Concurrency.AcquireAsync(1, linked.Token);
            if (!concurrency.IsAcquired)
            {
                concurrency.Dispose();
                return null;
            }

            if (target.RateLimitPerSecond is { } perSecond)
            {
                // Shared by all instances (Redis), so the limit holds from the first second and across replicas.
                await rates.AcquireAsync(target.Id, perSecond, linked.Token);
            }

            return concurrency;
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            concurrency?.Dispose();
            return null;
        }
    }

    private async Task<DeliveryOutcome> SendOnceAsync(DeliveryTarget target, DestinationConnection connection, string messageId,
        byte[] body, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = new CancellationTokenSource(target.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            string? token = null;
            if (target.AuthType == DestinationAuthTypes.OAuth2ClientCredentials)
            {
                token = await tokens.GetAsync(target, connection.Invoker, rejected: null, linked.Token);
            }

            var response = await PostAsync(target, connection, messageId, body, token, linked.Token);
            if (response.StatusCode == HttpStatusCode.Unauthorized && target.AuthType == DestinationAuthTypes.OAuth2ClientCredentials)
            {
                // The token may have been revoked or rotated early: refresh once and try again within the same budget.
                response.Dispose();
                token = await tokens.GetAsync(target, connection.Invoker, rejected: token, linked.Token);
                response = await PostAsync(target, connection, messageId, body, token, linked.Token);
            }

            using (response)
            {
                return Classify(response, time.GetElapsedTime(started));
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Failure(true, DeliveryErrorCodes.ConnectionTimeout,
                $"No response within the destination's timeout of {target.Timeout.TotalSeconds:0.###} s.", started);
        }
        catch (TokenRequestException ex)
        {
            return new DeliveryOutcome(false, ex.Retryable, ex.StatusCode,
                ex.Retryable ? DeliveryErrorCodes.ConnectionError : DeliveryErrorCodes.AuthenticationFailed,
                ex.Message, null, time.GetElapsedTime(started));
        }
        catch (HttpRequestException ex) when (FindInner<SsrfBlockedException>(ex) is { } blocked)
        {
            return Failure(false, DeliveryErrorCodes.SsrfBlocked, blocked.Message, started);
        }
        catch (HttpRequestException ex) when (FindInner<TimeoutException>(ex) is not null)
        {
            return Failure(true, DeliveryErrorCodes.ConnectionTimeout, "Connecting to the destination timed out.", started);
        }
        catch (HttpRequestException ex) when (FindInner<SocketException>(ex) is { SocketErrorCode: SocketError.ConnectionRefused })
        {
            return Failure(true, DeliveryErrorCodes.ConnectionRefused, "The destination refused the connection.", started);
        }
        catch (HttpRequestException ex)
        {
            return Failure(true, DeliveryErrorCodes.ConnectionError, $"Transport error: {ex.HttpRequestError}.", started);
        }
    }

    private async Task<HttpResponseMessage> PostAsync(DeliveryTarget target, DestinationConnection connection, string messageId,
        byte[] body, string? oauthToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version11,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("Idempotency-Key", messageId);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("DistributorService", "1.0"));
        if (target.SigningKey is { } key)
        {
            var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.TryAddWithoutValidation("webhook-id", messageId);
            request.Headers.TryAddWithoutValidation("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation("webhook-signature", WebhookSigner.Sign(key, messageId, timestamp, body));
        }

        var bearer = target.AuthType switch
        {
            DestinationAuthTypes.Bearer => target.BearerToken,
            DestinationAuthTypes.OAuth2ClientCredentials => oauthToken,
            _ => null,
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await connection.Invoker.SendAsync(request, cancellationToken);
    }

    private DeliveryOutcome Classify(HttpResponseMessage response, TimeSpan duration)
    {
        var status = (int)response.StatusCode;
        var reason = $"HTTP {status} {response.ReasonPhrase}".TrimEnd();
        return status switch
        {
            >= 200 and < 300 => new DeliveryOutcome(true, false, status, null, null, null, duration),
            401 or 403 => new DeliveryOutcome(false, false, status, DeliveryErrorCodes.AuthenticationFailed, reason, null, duration),
            408 or 429 => new DeliveryOutcome(false, true, status, DeliveryErrorCodes.Destination4xx, reason, RetryAfter(response),
                duration),
            >= 400 and < 500 => new DeliveryOutcome(false, false, status, DeliveryErrorCodes.Destination4xx, reason, null, duration),
            >= 500 => new DeliveryOutcome(false, true, status, DeliveryErrorCodes.Destination5xx, reason, RetryAfter(response), duration),
            _ => new DeliveryOutcome(false, true, status, DeliveryErrorCodes.UnexpectedStatus, reason, null, duration),
        };
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        if (wait is not { } value)
        {
            return null;
        }

        var max = options.CurrentValue.Delivery.MaxRetryAfter;
        return value < TimeSpan.Zero ? TimeSpan.Zero : value > max ? max : value;
    }

    private DeliveryOutcome Failure(bool retryable, string code, string error, long started) =>
        new(false, retryable, null, code, error, null, time.GetElapsedTime(started));

    private static T? FindInner<T>(Exception ex) where T : Exception
    {
        for (Exception? current = ex; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }
}
