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
    public async Task<string?> ApplyAsync(Destination target, DestinationRequest request, bool creating,
        CancellationToken cancellationToken)
    {
        if (await ValidateEndpointsAsync(request, cancellationToken) is { } endpointError)
        {
            return endpointError;
        }

        if (ValidateDelivery(request, out var delivery) is { } deliveryError)
        {
            return deliveryError;
        }

        var (authError, auth) = await ValidateAuthAsync(target, request, creating, cancellationToken);
        if (authError is not null)
        {
            return authError;
        }

        Map(target, request, delivery, auth, creating);
        return null;
    }

    /// <summary>What validation settled: the request's delivery settings or the defaults.</summary>
    private readonly record struct DeliverySettings(int Timeout, int MaxAttempts, BackoffSettings Backoff, int Concurrency);

    /// <summary>The destination's auth after validation, with the secrets to store in plaintext (protected when mapped).</summary>
    private sealed record AuthSettings(string Type, DestinationAuthRequest Request, string? Token, string? ClientSecret);

    /// <summary>Validation: name, URLs (through the SSRF guard) and event types.</summary>
    private async Task<string?> ValidateEndpointsAsync(DestinationRequest request, CancellationToken cancellationToken)
    {
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

        return null;
    }

    /// <summary>Validation: timeout, attempts, backoff, concurrency, rate, batch and signing secret within the limits.</summary>
    private string? ValidateDelivery(DestinationRequest request, out DeliverySettings settings)
    {
        var limits = options.Value.Destinations;
        // why: the API's fields keep their units (seconds, milliseconds); the options are TimeSpan.
        var maxTimeoutSeconds = (int)limits.MaxTimeout.TotalSeconds;
        var maxBatchWaitMs = (int)limits.MaxBatchWait.TotalMilliseconds;
        settings = new DeliverySettings(
            request.TimeoutSeconds ?? (int)Math.Ceiling(limits.DefaultTimeout.TotalSeconds),
            request.MaxAttempts ?? limits.DefaultMaxAttempts,
            request.Backoff ?? new BackoffSettings(limits.DefaultBackoffInitial.TotalSeconds, limits.DefaultBackoffMultiplier,
                limits.DefaultBackoffMax.TotalSeconds),
            request.MaxConcurrency ?? limits.DefaultMaxConcurrency);
        var (timeout, maxAttempts, backoff, concurrency) = settings;
        if (timeout < 1 || timeout > maxTimeoutSeconds)
        {
            return $"timeoutSeconds must be between 1 and {maxTimeoutSeconds}";
        }

        if (maxAttempts < 1 || maxAttempts > limits.MaxMaxAttempts)
        {
            return $"maxAttempts must be between 1 and {limits.MaxMaxAttempts}";
        }

        if (backoff.InitialSeconds < 0 || backoff.Multiplier < 1 || backoff.MaxSeconds < backoff.InitialSeconds
            || backoff.MaxSeconds > 86_400)
        {
            return "backoff needs initialSeconds >= 0, multiplier >= 1 and initialSeconds <= maxSeconds <= 86400";
        }

        if (concurrency < 1 || concurrency > limits.MaxConcurrency)
        {
            return $"maxConcurrency must be between 1 and {limits.MaxConcurrency}";
        }

        if (request.RateLimitPerSecond is { } rate && (rate <= 0 || rate > 100_000))
        {
            return "rateLimitPerSecond must be greater than 0 and at most 100000";
        }

        if (request.Batch is { } batch && (batch.MaxSize < 1 || batch.MaxSize > limits.MaxBatchSize
                                           || batch.MaxWaitMs < 1 || batch.MaxWaitMs > maxBatchWaitMs))
        {
            return $"batch needs maxSize in 1..{limits.MaxBatchSize} and maxWaitMs in 1..{maxBatchWaitMs}";
        }

        if (request.SigningSecret is { Length: > 0 } signing && !WebhookSigner.TryParseSecret(signing, out _))
        {
            return "signingSecret must be whsec_ followed by base64 (at least 16 bytes)";
        }

        return null;
    }

    /// <summary>Validation: the auth type and the secrets it needs (a PUT keeps a stored secret it does not repeat).</summary>
    private async Task<(string? Error, AuthSettings Auth)> ValidateAuthAsync(Destination target, DestinationRequest request, bool creating,
        CancellationToken cancellationToken)
    {
        var auth = request.Auth ?? new DestinationAuthRequest(DestinationAuthTypes.None, null, null, null, null, null);
        var authType = auth.Type ?? DestinationAuthTypes.None;
        if (!DestinationAuthTypes.All.Contains(authType))
        {
            return ("auth.type must be none, bearer or oauth2_client_credentials", new AuthSettings(authType, auth, null, null));
        }

        var settings = new AuthSettings(authType, auth, Merge(target.AuthTokenProtected, auth.Token, creating),
            Merge(target.ClientSecretProtected, auth.ClientSecret, creating));

        var oauth = authType == DestinationAuthTypes.OAuth2ClientCredentials;
        var error = authType switch
        {
            DestinationAuthTypes.Bearer when settings.Token is null => "auth.token is required for bearer",
            _ when oauth && (string.IsNullOrWhiteSpace(auth.TokenUrl) || string.IsNullOrWhiteSpace(auth.ClientId)
                             || settings.ClientSecret is null) =>
                "auth.tokenUrl, auth.clientId and auth.clientSecret are required for oauth2_client_credentials",
            _ => null,
        };
        if (error is null && oauth && await ssrf.CheckUrlAsync(auth.TokenUrl!, cancellationToken) is { } tokenRefusal)
        {
            error = $"auth.tokenUrl {tokenRefusal}";
        }

        return (error, settings);
    }

    /// <summary>Mapping: the validated request onto the destination row (secrets protected).</summary>
    private void Map(Destination target, DestinationRequest request, DeliverySettings delivery, AuthSettings auth, bool creating)
    {
        var now = time.GetUtcNow();
        if (creating)
        {
            target.Id = Guid.CreateVersion7(now);
            target.CreatedAt = now;
        }

        target.Name = request.Name!.Trim();
        target.Url = request.Url!;
        target.EventTypes = request.EventTypes!.Select(t => t.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (request.Enabled is { } enabled)
        {
            target.Enabled = enabled;
            if (enabled)
            {
                target.DisabledReason = null;
                target.UnhealthySince = null;
            }
        }

        var oauth = auth.Type == DestinationAuthTypes.OAuth2ClientCredentials;
        target.AuthType = auth.Type;
        target.AuthTokenProtected = auth.Type == DestinationAuthTypes.Bearer ? Protect(auth.Token) : null;
        target.TokenUrl = oauth ? auth.Request.TokenUrl : null;
        target.ClientId = oauth ? auth.Request.ClientId : null;
        target.ClientSecretProtected = oauth ? Protect(auth.ClientSecret) : null;
        target.Scope = oauth ? auth.Request.Scope : null;
        target.SigningSecretProtected = Protect(Merge(target.SigningSecretProtected, request.SigningSecret, creating));
        target.TimeoutSeconds = delivery.Timeout;
        target.MaxAttempts = delivery.MaxAttempts;
        target.BackoffInitialSeconds = delivery.Backoff.InitialSeconds;
        target.BackoffMultiplier = delivery.Backoff.Multiplier;
        target.BackoffMaxSeconds = delivery.Backoff.MaxSeconds;
        target.MaxConcurrency = delivery.Concurrency;
        target.RateLimitPerSecond = request.RateLimitPerSecond;
        target.BatchMaxSize = request.Batch?.MaxSize;
        target.BatchMaxWaitMs = request.Batch?.MaxWaitMs;
        target.HealthUrl = string.IsNullOrWhiteSpace(request.HealthUrl) ? null : request.HealthUrl;
        target.UpdatedAt = now;
    }

    public DestinationView ToView(Destination d) => new(
        d.Id, d.Name, d.Url, d.EventTypes, d.Enabled, d.Paused,
        new DestinationAuthView(d.AuthType, d.TokenUrl, d.ClientId, d.Scope, d.AuthTokenProtected is not null,
            d.ClientSecretProtected is not null),
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
