using System.Net;
using EvaluationService.Options;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;
using ServiceDefaults.Resilience;

namespace EvaluationService.Chat;

/// <summary>
/// Registers <see cref="ChatServiceClient"/>: the default 10 s/30 s handler is removed (an LLM answer can take a
/// minute); instead a named <c>chatservice</c> circuit breaker wraps a timeout taken from the case's budget. No retries:
/// a repeated LLM call would double the case's latency and the evaluation records the failure instead.
/// </summary>
public static class ChatServiceResilience
{
    public const string BreakerName = "chatservice";

    public static IHttpClientBuilder AddChatServiceClient(this IServiceCollection services)
    {
        var builder = services.AddHttpClient<ChatServiceClient>((sp, http) =>
        {
            var options = sp.GetRequiredService<IOptions<ChatServiceOptions>>().Value;
            var evaluation = sp.GetRequiredService<IOptions<EvaluationOptions>>().Value;
            http.BaseAddress = options.BaseAddress;
            // why: the backstop only; the pipeline's per-case timeout fires first.
            http.Timeout = (evaluation.MaxCaseTimeout > options.DocumentTimeout ? evaluation.MaxCaseTimeout : options.DocumentTimeout) +
                TimeSpan.FromSeconds(30);
        });
#pragma warning disable EXTEXP0001 // why: the documented way to drop the default 10 s/30 s handler from one client.
        builder.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        // why: a call's own budget bounds its body reads (ReadWatchdog); this is the backstop per read
        builder.Services.AddOptions<ServiceDefaults.Streaming.ReadWatchdogOptions>(builder.Name)
            .Configure<IOptions<EvaluationOptions>>((o, evaluation) => o.IdleTimeout = evaluation.Value.MaxCaseTimeout +
                TimeSpan.FromSeconds(30));
        builder.AddResilienceHandler(BreakerName, static (pipeline, context) =>
        {
            var registry = context.ServiceProvider.GetRequiredService<CircuitBreakerRegistry>();
            var options = context.ServiceProvider.GetRequiredService<IOptions<ChatServiceOptions>>().Value;
            var evaluation = context.ServiceProvider.GetRequiredService<IOptions<EvaluationOptions>>().Value;
            var fallbackTimeout = evaluation.DefaultCaseTimeout;

            registry.AddNamedCircuitBreaker(pipeline, BreakerName, options.Breaker, new CircuitBreakerStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                    .Handle<HttpRequestException>()
                    .Handle<TimeoutRejectedException>()
                    .HandleResult(r => (int)r.StatusCode >= 500 || r.StatusCode == HttpStatusCode.RequestTimeout),
            });
            pipeline.AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args =>
                    ValueTask.FromResult(
                        args.Context.GetRequestMessage()?.Options.TryGetValue(ChatServiceClient.CaseTimeoutKey, out var t) == true
                        ? t
                        : fallbackTimeout),
            });
        });
        return builder;
    }
}
