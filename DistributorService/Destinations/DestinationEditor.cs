using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Options;
using Microsoft.Extensions.Options;
using ServiceDefaults.Resilience;

namespace DistributorService.Destinations;

/// <summary>Validates destination requests, applies them to the entity (encrypting secrets) and builds the secret-free view.</summary>
public sealed class DestinationEditor(
    SsrfGuard ssrf,
    SecretProtector secrets,
    CircuitBreakerRegistry breakers,
    IOptions<DistributorOptions> options,
    TimeProvider time)
{
    /// <summary>Applies <paramref name="request"/> to <paramref name="target"/>; returns the validation error, or null.</summary>
    public async Task<string?> ApplyAsync(Destination target, DestinationRequest request, bool creating, CancellationToken cancellationToken)
    {
        var limits = options.Value.Destinations;
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Length > 200)
        {
            return "name is required (at most 200 characters)";
        }

        if (string.IsNullOrWhiteSpace(request.Url) || request.Url.Length > 2048)
        {
            return "url is required (at most 2048 characters)";
        }

        if (await ssrf.CheckUrlAsync(request.Url, cancellationToken) is { } urlRefusal)
        {
            return $"url {urlRefusal}";
        }

        if (request.HealthUrl is { Length: > 0 } healthUrl && await ssrf.CheckUrlAsync(healthUrl, cancellationToken) is { } healthRefusal)
        {
            return $"healthUrl {healthRefusal}";
        }

        var eventTypes = request.EventTypes ?? [];
        if (eventTypes.Length == 0 || eventTypes.Length > 100 || eventTypes.Any(t => string.IsNullOrWhiteSpace(t) || t.Length > 200
                                                                                   || !PublisherOptions.IsValidPattern(t.Trim())))
        {
            return "eventTypes must list 1 to 100 event types: exact types, prefixes ending in \".*\" (document.*), or \"*\" for all";
        }

        var timeout = request.TimeoutSeconds ?? limits.DefaultTimeoutSeconds;
        if (timeout < 1 || timeout > limits.MaxTimeoutSeconds)
        {
            return $"timeoutSeconds must be between 1 and {limits.MaxTimeoutSeconds}";
        }

        var maxAttempts = request.MaxAttempts ?? limits.DefaultMaxAttempts;
        if (maxAttempts < 1 || maxAttempts > limits.MaxMaxAttempts)
        {
            return $"maxAttempts must be between 1 and {limits.MaxMaxAttempts}";
        }

        var backoff = request.Backoff ?? new BackoffSettings(limits.DefaultBackoffInitialSeconds, limits.DefaultBackoffMultiplier,
            limits.DefaultBackoffMaxSeconds);
        if (backoff.InitialSeconds < 0 || backoff.Multiplier < 1 || backoff.MaxSeconds < backoff.InitialSeconds || backoff.MaxSeconds > 86_400)
        {
            return "backoff needs initialSeconds >= 0, multiplier >= 1 and initialSeconds <= maxSeconds <= 86400";
        }

        var concurrency = request.MaxConcurrency ?? limits.DefaultMaxConcurrency;
        if (concurrency < 1 || concurrency > limits.MaxConcurrency)
        {
            return $"maxConcurrency must be between 1 and {limits.MaxConcurrency}";
        }

        if (request.RateLimitPerSecond is { } rate && (rate <= 0 || rate > 100_000))
        {
            return "rateLimitPerSecond must be greater than 0 and at most 100000";
        }

        if (request.Batch is { } batch && (batch.MaxSize < 1 || batch.MaxSize > limits.MaxBatchSize || batch.MaxWaitMs < 1 || batch.MaxWaitMs > limits.MaxBatchWaitMs))
        {
            return $"batch needs maxSize in 1..{limits.MaxBatchSize} and maxWaitMs in 1..{limits.MaxBatchWaitMs}";
        }

        if (request.SigningSecret is { Length: > 0 } signing && !WebhookSigner.TryParseSecret(signing, out _))
        {
            return "signingSecret must be whsec_ followed by base64 (at least 16 bytes)";
        }

        var auth = request.Auth ?? new DestinationAuthRequest(DestinationAuthTypes.None, null, null, null, null, null);
        var authType = auth.Type ?? DestinationAuthTypes.None;
        if (!DestinationAuthTypes.All.Contains(authType))
        {
            return "auth.type must be none, bearer or oauth2_client_credentials";
        }

        var token = Merge(target.AuthTokenProtected, auth.Token, creating);
        var clientSecret = Merge(target.ClientSecretProtected, auth.ClientSecret, creating);
        switch (authType)
        {
            case DestinationAuthTypes.Bearer when token is null:
                return "auth.token is required for bearer";
            case DestinationAuthTypes.OAuth2ClientCredentials when string.IsNullOrWhiteSpace(auth.TokenUrl) || string.IsNullOrWhiteSpace(auth.ClientId) || clientSecret is null:
                return "auth.tokenUrl, auth.clientId and auth.clientSecret are required for oauth2_client_credentials";
            case DestinationAuthTypes.OAuth2ClientCredentials when await ssrf.CheckUrlAsync(auth.TokenUrl!, cancellationToken) is { } tokenRefusal:
                return $"auth.tokenUrl {tokenRefusal}";
        }

        var now = time.GetUtcNow();
        if (creating)
        {
            target.Id = Guid.CreateVersion7(now);
            target.CreatedAt = now;
        }

        target.Name = request.Name.Trim();
        target.Url = request.Url;
        target.EventTypes = eventTypes.Select(t => t.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (request.Enabled is { } enabled)
        {
            target.Enabled = enabled;
            if (enabled)
            {
                target.DisabledReason = null;
                target.UnhealthySince = null;
            }
        }

        target.AuthType = authType;
        target.AuthTokenProtected = authType == DestinationAuthTypes.Bearer ? Protect(token) : null;
        target.TokenUrl = authType == DestinationAuthTypes.OAuth2ClientCredentials ? auth.TokenUrl : null;
        target.ClientId = authType == DestinationAuthTypes.OAuth2ClientCredentials ? auth.ClientId : null;
        target.ClientSecretProtected = authType == DestinationAuthTypes.OAuth2ClientCredentials ? Protect(clientSecret) : null;
        target.Scope = authType == DestinationAuthTypes.OAuth2ClientCredentials ? auth.Scope : null;
        target.SigningSecretProtected = Protect(Merge(target.SigningSecretProtected, request.SigningSecret, creating));
        target.TimeoutSeconds = timeout;
        target.MaxAttempts = maxAttempts;
        target.BackoffInitialSeconds = backoff.InitialSeconds;
        target.BackoffMultiplier = backoff.Multiplier;
        target.BackoffMaxSeconds = backoff.MaxSeconds;
        target.MaxConcurrency = concurrency;
        target.RateLimitPerSecond = request.RateLimitPerSecond;
        target.BatchMaxSize = request.Batch?.MaxSize;
        target.BatchMaxWaitMs = request.Batch?.MaxWaitMs;
        target.HealthUrl = string.IsNullOrWhiteSpace(request.HealthUrl) ? null : request.HealthUrl;
        target.UpdatedAt = now;
        return null;
    }

    public DestinationView ToView(Destination d) => new(
        d.Id, d.Name, d.Url, d.EventTypes, d.Enabled, d.Paused,
        new DestinationAuthView(d.AuthType, d.TokenUrl, d.ClientId, d.Scope, d.AuthTokenProtected is not null, d.ClientSecretProtected is not null),
        d.SigningSecretProtected is not null, d.TimeoutSeconds, d.MaxAttempts,
        new BackoffSettings(d.BackoffInitialSeconds, d.BackoffMultiplier, d.BackoffMaxSeconds),
        d.MaxConcurrency, d.RateLimitPerSecond,
        d.BatchMaxSize is { } size && d.BatchMaxWaitMs is { } wait ? new BatchSettings(size, wait) : null,
        d.HealthUrl, new DestinationHealthView(d.HealthStatus, d.LastHealthCheckAt, d.UnhealthySince), d.DisabledReason,
        breakers.Find(DestinationBreakers.NameOf(d.Id))?.State ?? "Closed", d.CreatedAt, d.UpdatedAt);

    /// <summary>The plaintext secret to store: the new one, the kept one (null on PUT), or none (empty string).</summary>
    private string? Merge(string? storedProtected, string? given, bool creating) => given switch
    {
        null when creating => null,
        null => secrets.Unprotect(storedProtected),
        "" => null,
        _ => given,
    };

    private string? Protect(string? plaintext) => secrets.Protect(plaintext);
}
