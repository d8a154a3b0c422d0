using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using ServiceDefaults.Health;
using ServiceDefaults.Resilience;

namespace ChatService.Chroma;

public static class ChromaRegistration
{
    public const string ProbeClientName = "chroma-probe";
    public const string BaseUrlKey = "services:chroma:http:0";

    /// <summary>The Chroma client with its own pipeline (5 s per attempt, retry, <c>chroma</c> breaker) instead of the standard
    /// one.</summary>
    public static IHostApplicationBuilder AddChroma(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChromaOptions>().BindConfiguration(ChromaOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(ChromaOptions.Section).Get<ChromaOptions>() ?? new ChromaOptions();
        var baseUrl = builder.Configuration[BaseUrlKey];
        Uri? baseAddress = null;
        if (!string.IsNullOrWhiteSpace(baseUrl) && !Uri.TryCreate(baseUrl.TrimEnd('/') + "/", UriKind.Absolute, out baseAddress))
        {
            throw new InvalidOperationException($"services__chroma__http__0 is not an absolute URL: '{baseUrl}'.");
        }

        builder.Services.AddSingleton<ChromaCollections>();
        builder.Services.AddSingleton<ChromaQueryBatcher>();
        builder.Services.AddHttpClient<ChromaClient>(c =>
            {
                c.BaseAddress = baseAddress;
                // why: the Chroma resilience pipeline below bounds every call (5 s attempt), HttpClient's own timeout would only fight it
                c.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("chroma", (pipeline, context) =>
            {
                var breakers = context.ServiceProvider.GetRequiredService<CircuitBreakerRegistry>();
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(1, options.Retries),
                    Delay = TimeSpan.FromMilliseconds(100),
                    BackoffType = DelayBackoffType.Exponential,
                    ShouldHandle = args => ValueTask.FromResult(options.Retries > 0
                        && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                });
                breakers.AddNamedCircuitBreaker(pipeline, ChromaClient.BreakerName, options.Breaker,
                    new HttpCircuitBreakerStrategyOptions());
                pipeline.AddTimeout(options.Timeout);
            });
        builder.Services.AddHttpClient(ProbeClientName, c => c.BaseAddress = baseAddress).RemoveAllResilienceHandlers();
        builder.Services.AddHealthChecks().AddCheck<ChromaHealthCheck>("chroma", HealthStatus.Degraded, [HealthTags.Ready]);
        return builder;
    }
}
