using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using DistributorService.Options;
using Microsoft.Extensions.Options;
using ServiceDefaults.Http;

namespace DistributorService.Delivery;

/// <summary>
/// OAuth2 client-credentials tokens per destination: fetched once, cached until shortly before expiry, refreshed
/// once when the destination answers 401. Concurrent deliveries share one fetch.
/// </summary>
public sealed class OAuthTokenCache(IOptionsMonitor<DistributorOptions> options, TimeProvider time)
{
    private sealed record CachedToken(string AccessToken, DateTimeOffset RefreshAt, DateTimeOffset Version);

    private readonly ConcurrentDictionary<Guid, CachedToken> _tokens = new();
    private readonly ConcurrentDictionary<Guid, SemaphoreSlim> _fetchGates = new();

    /// <summary>A valid token; when <paramref name="rejected"/> is the cached one it is replaced by a fresh one.</summary>
    public async Task<string> GetAsync(DeliveryTarget target, HttpMessageInvoker invoker, string? rejected,
        CancellationToken cancellationToken)
    {
        if (Usable(target, rejected) is { } cached)
        {
            return cached;
        }

        var gate = _fetchGates.GetOrAdd(target.Id, _ => new SemaphoreSlim(1, 1));
        var oauth = options.CurrentValue.OAuth;
        if (!await gate.WaitAsync(oauth.TokenTimeout, cancellationToken))
        {
            throw new TokenRequestException("Timed out waiting for another token request of this destination.", retryable: true,
                statusCode: null);
        }

        try
        {
            if (Usable(target, rejected) is { } fetchedMeanwhile)
            {
                return fetchedMeanwhile;
            }

            var token = await FetchAsync(target, invoker, oauth, cancellationToken);
            _tokens[target.Id] = token;
            return token.AccessToken;
        }
        finally
        {
            gate.Release();
        }
    }

    public void Forget(Guid destinationId) => _tokens.TryRemove(destinationId, out _);

    private string? Usable(DeliveryTarget target, string? rejected) =>
        _tokens.TryGetValue(target.Id, out var cached) && cached.Version == target.Version
        && cached.RefreshAt > time.GetUtcNow() && cached.AccessToken != rejected
            ? cached.AccessToken
            : null;

    private async Task<CachedToken> FetchAsync(DeliveryTarget target, HttpMessageInvoker invoker, OAuthOptions oauth,
        CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (!string.IsNullOrEmpty(target.Scope))
        {
            form["scope"] = target.Scope;
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, target.TokenUrl) { Content = new FormUrlEncodedContent(form) };
        var basic = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(
            $"{Uri.EscapeDataString(target.ClientId ?? "")}:{Uri.EscapeDataString(target.ClientSecret ?? "")}"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", basic);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        using var timeout = new CancellationTokenSource(oauth.TokenTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        HttpResponseMessage response;
        try
        {
            response = await invoker.SendAsync(request, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TokenRequestException("The token endpoint did not answer within its timeout.", retryable: true, statusCode: null);
        }
        catch (HttpRequestException ex)
        {
            throw new TokenRequestException($"The token endpoint is unreachable: {ex.HttpRequestError}.", retryable: true, statusCode: null,
                ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                var retryable = status >= 500 || status is 408 or 429;
                throw new TokenRequestException($"The token endpoint answered {status}.", retryable, status);
            }

            JsonDocument document;
            try
            {
                document = await BoundedContent.ReadJsonDocumentAsync(response.Content, oauth.MaxTokenResponseBytes, "The token endpoint",
                    linked.Token);
            }
            catch (ResponseTooLargeException ex)
            {
                throw new TokenRequestException($"{ex.Message} ({ex.Code})", retryable: false, status, ex);
            }
            catch (JsonException)
            {
                throw new TokenRequestException("The token response is not JSON.", retryable: false, status);
            }

            using var _ = document;
            if (!document.RootElement.TryGetProperty("access_token", out var accessToken)
                || accessToken.GetString() is not { Length: > 0 } value)
            {
                throw new TokenRequestException("The token response has no access_token.", retryable: false, status);
            }

            var lifetime = document.RootElement.TryGetProperty("expires_in", out var expiresIn) && expiresIn.TryGetInt32(out var seconds)
                && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : oauth.DefaultTokenLifetime;
            var refreshAt = time.GetUtcNow() + lifetime - (oauth.RefreshBeforeExpiry < lifetime ? oauth.RefreshBeforeExpiry : lifetime / 2);
            return new CachedToken(value, refreshAt, target.Version);
        }
    }
}
