using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Problems;

namespace ServiceDefaults.RateLimiting;

/// <summary>Endpoint metadata: the endpoint holds a long-lived stream, counted per user and ended at token expiry.</summary>
public sealed class UserStreamMetadata
{
    internal static readonly UserStreamMetadata Instance = new();

    private UserStreamMetadata()
    {
    }
}

public static class UserStreamLimitExtensions
{
    /// <summary>
    /// Marks a streaming endpoint: at most <c>Streams:MaxPerUser</c> open at once per caller (429 <c>TOO_MANY_STREAMS</c>
    /// beyond), and its <see cref="HttpContext.RequestAborted"/> (the handler's cancellation token) fires when the
    /// caller's token expires, so the stream ends with the credential that opened it.
    /// </summary>
    public static TBuilder LimitStreamsPerUser<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(UserStreamMetadata.Instance);
}

/// <summary>Open streams per user in this process.</summary>
public sealed class UserStreamCounter
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    /// <summary>Streams <paramref name="user"/> holds open now.</summary>
    public int OpenFor(string user) => _open.TryGetValue(user, out var n) ? n : 0;

    internal bool TryEnter(string user, int max)
    {
        while (true)
        {
            var current = _open.GetOrAdd(user, 0);
            if (current >= max)
            {
                return false;
            }

            if (_open.TryUpdate(user, current + 1, current))
            {
                return true;
            }
        }
    }

    internal void Leave(string user)
    {
        while (true)
        {
            var current = _open.GetOrAdd(user, 0);
            if (current <= 1)
            {
                // why: remove the entry only if nobody entered meanwhile, so the dictionary does not keep one key per past user
                if (_open.TryRemove(new KeyValuePair<string, int>(user, current)))
                {
                    return;
                }

                continue;
            }

            if (_open.TryUpdate(user, current - 1, current))
            {
                return;
            }
        }
    }
}

/// <summary>Enforces <see cref="StreamLimitOptions"/> on endpoints marked with <see cref="UserStreamMetadata"/>; runs after
/// authorization.</summary>
internal sealed class UserStreamMiddleware(RequestDelegate next, UserStreamCounter counter, IOptionsMonitor<StreamLimitOptions> options,
    TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<UserStreamMetadata>() is null || !ClaimsPrincipalExtensions.HasUserId(context.User))
        {
            await next(context);
            return;
        }

        var limits = options.CurrentValue;
        var user = context.User.GetUserId();
        if (!counter.TryEnter(user, limits.MaxPerUser))
        {
            await RefuseAsync(context, limits);
            return;
        }

        try
        {
            var expires = limits.CloseAtTokenExpiry ? ExpiryOf(context) : null;
            if (expires is null)
            {
                await next(context);
                return;
            }

            await RunUntilAsync(context, expires.Value);
        }
        finally
        {
            counter.Leave(user);
        }
    }

    private async Task RunUntilAsync(HttpContext context, DateTimeOffset expires)
    {
        var remaining = expires - time.GetUtcNow();
        using var expiry = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, expiry.Token);
        var original = context.RequestAborted;
        context.RequestAborted = linked.Token;
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !original.IsCancellationRequested)
        {
            // The token expired: the stream ends normally; the client reconnects with a fresh token.
        }
        finally
        {
            context.RequestAborted = original;
        }
    }

    /// <summary>The <c>exp</c> of the bearer token (seconds since the epoch), when there is one.</summary>
    private static DateTimeOffset? ExpiryOf(HttpContext context) =>
        long.TryParse(context.User.FindFirst("exp")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static async Task RefuseAsync(HttpContext context, StreamLimitOptions limits)
    {
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        // why: Retry-After and the problem's retryAfterSeconds are whole seconds by contract; rounded up, never shortened.
        var retryAfterSeconds = (int)Math.Ceiling(limits.RetryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many open streams",
                Detail = $"This user already holds {limits.MaxPerUser} open streams; close one first.",
                Extensions = { ["code"] = ErrorCodes.TooManyStreams, ["retryAfterSeconds"] = retryAfterSeconds },
            },
        });
    }
}

internal static class UserStreamRegistration
{
    public static IServiceCollection AddUserStreamLimits(this IServiceCollection services,
        Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<StreamLimitOptions>()
            .Bind(configuration.GetSection(StreamLimitOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<UserStreamCounter>();
        return services;
    }
}
