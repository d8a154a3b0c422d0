using System.Diagnostics.Metrics;
using LocalEmbeddings;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Http.Resilience;
using OllamaSharp;
using Polly;
using Polly.CircuitBreaker;
using ServiceDefaults.Health;
using ServiceDefaults.Resilience;
using ServiceDefaults.Streaming;

namespace ChatService.Llm;

public static class LlmRegistration
{
    public const string ChatClientName = "ollama-chat";
    public const string EmbedClientName = "ollama-embed";
    public const string ProbeClientName = "ollama-probe";

    /// <summary>
    /// Ollama clients. The chat client has NO standard resilience handler (its 10 s attempt timeout would kill every
    /// healthy long generation); <see cref="LlmGenerator"/> applies connect/first-token/idle/total bounds instead.
    /// The embedding client gets its own pipeline: 30 s per batch, retries, the <c>embeddings</c> breaker.
    /// </summary>
    public static IHostApplicationBuilder AddLlm(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<EmbeddingOptions>().BindConfiguration(EmbeddingOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        var llm = builder.Configuration.GetSection(LlmOptions.Section).Get<LlmOptions>() ?? new LlmOptions();
        var embed = builder.Configuration.GetSection(EmbeddingOptions.Section).Get<EmbeddingOptions>() ?? new EmbeddingOptions();

        var chatConnection = OllamaConnection.Read(builder.Configuration, "chat-model");
        var embedConnection = OllamaConnection.Read(builder.Configuration, "embed-model");
        var provider = ResolveProvider(embed.Provider, embedConnection);
        if (provider != EmbeddingProvider.Ollama)
        {
            // why: only the Ollama provider talks to the embed-model server; the other choices ignore its connection
            embedConnection = null;
        }

        AddChatClient(builder.Services, chatConnection, llm);
        AddEmbedClient(builder.Services, embedConnection, llm, embed);
        builder.Services.AddHttpClient(ProbeClientName, c => c.BaseAddress = chatConnection?.Endpoint ?? embedConnection?.Endpoint)
            .RemoveAllResilienceHandlers();
        AddModels(builder, chatConnection, embedConnection, provider, embed);
        builder.Services.AddHostedService<EmbeddedModelWarmUp>();
        builder.Services.AddSingleton<LlmGenerator>();
        builder.Services.AddSingleton<EmbeddingService>();
        builder.Services.AddHealthChecks().AddCheck<OllamaHealthCheck>("ollama",
            Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded, [HealthTags.Ready]);
        return builder;
    }

    private static void AddChatClient(IServiceCollection services, OllamaConnection? chatConnection, LlmOptions llm)
    {
        services.AddHttpClient(ChatClientName, c =>
            {
                c.BaseAddress = chatConnection?.Endpoint;
                // why: LLM calls are bounded by connect/first-token/idle/total budgets in the generator, not by one flat HttpClient timeout
                c.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = llm.ConnectTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .RemoveAllResilienceHandlers()
            // why: a backstop only; the generator's first-token/idle/total timers end a blocked read first (bound token)
            .WithReadIdleTimeout((llm.FirstTokenTimeout > llm.IdleTimeout ? llm.FirstTokenTimeout : llm.IdleTimeout) +
                TimeSpan.FromSeconds(5));
    }

    /// <summary>The Ollama embedding client's own pipeline: retries, the <c>embeddings</c> breaker, a per-batch timeout.</summary>
    private static void AddEmbedClient(IServiceCollection services, OllamaConnection? embedConnection, LlmOptions llm,
        EmbeddingOptions embed)
    {
        services.AddHttpClient(EmbedClientName, c =>
            {
                c.BaseAddress = embedConnection?.Endpoint;
                // why: LLM calls are bounded by connect/first-token/idle/total budgets in the generator, not by one flat HttpClient timeout
                c.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { ConnectTimeout = llm.ConnectTimeout })
            .RemoveAllResilienceHandlers()
            .WithReadIdleTimeout(embed.BatchTimeout)
            .AddResilienceHandler("embeddings", (pipeline, context) =>
            {
                var breakers = context.ServiceProvider.GetRequiredService<CircuitBreakerRegistry>();
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = Math.Max(1, embed.Retries),
                    Delay = TimeSpan.FromMilliseconds(200),
                    BackoffType = DelayBackoffType.Exponential,
                    ShouldHandle = args => embed.Retries == 0
                        ? ValueTask.FromResult(false)
                        : HttpClientResiliencePredicates.IsTransient(args.Outcome)
                            ? ValueTask.FromResult(!args.Context.CancellationToken.IsCancellationRequested)
                            : ValueTask.FromResult(false),
                });
                breakers.AddNamedCircuitBreaker(pipeline, EmbeddingService.BreakerName, embed.Breaker,
                    new HttpCircuitBreakerStrategyOptions());
                pipeline.AddTimeout(embed.BatchTimeout);
            });
    }

    /// <summary>The chat client and the embedding generator chosen by <see cref="EmbeddingProvider"/>, with gen_ai telemetry.</summary>
    private static void AddModels(IHostApplicationBuilder builder, OllamaConnection? chatConnection,
        OllamaConnection? embedConnection, EmbeddingProvider provider, EmbeddingOptions embed)
    {
        // gen_ai telemetry (spans the Aspire dashboard's GenAI view reads, gen_ai.client.* metrics). Message content is
        // captured only when asked: Llm:CaptureMessageContent or OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true.
        var captureContent = builder.Configuration.GetValue<bool>("Llm:CaptureMessageContent")
                             || builder.Configuration.GetValue<bool>("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT");
        builder.Services.AddSingleton(sp =>
        {
            var factory = sp.GetRequiredService<IHttpClientFactory>();
            // BoundReads*: OllamaSharp reads response lines without the caller's token; these bind it to the reads.
            IChatClient? chat = chatConnection is null
                ? null
                : new ChatClientBuilder(new OllamaApiClient(factory.CreateClient(ChatClientName), chatConnection.Model))
                    .UseOpenTelemetry(configure: o => o.EnableSensitiveData = captureContent)
                    .Use(inner => new BoundReadsChatClient(inner))
                    .Build(sp);
            IEmbeddingGenerator<string, Embedding<float>>? embeddings = provider switch
            {
                EmbeddingProvider.Ollama when embedConnection is not null =>
                    new EmbeddingGeneratorBuilder<string, Embedding<float>>(
                            new OllamaApiClient(factory.CreateClient(EmbedClientName), embedConnection.Model))
                        .UseOpenTelemetry(configure: o => o.EnableSensitiveData = captureContent)
                        .Use(inner => new BoundReadsEmbeddingGenerator(inner))
                        .Build(sp),
                EmbeddingProvider.Embedded => new EmbeddingGeneratorBuilder<string, Embedding<float>>(
                        new MiniLmEmbeddingGenerator(embed.Embedded, sp.GetRequiredService<IMeterFactory>(),
                            builder.Environment.ApplicationName))
                    .UseOpenTelemetry(configure: o => o.EnableSensitiveData = captureContent)
                    .Use(inner => new GuardedEmbeddingGenerator(inner, EmbeddedPipeline(sp, embed)))
                    .Build(sp),
                _ => null,
            };
            var (providerName, modelName) = provider == EmbeddingProvider.Embedded
                ? (MiniLmEmbeddingGenerator.ProviderName, MiniLmModel.ModelName)
                : ("ollama", embedConnection?.Model);
            return new LlmModels(chatConnection, chat, embedConnection, embeddings, providerName, modelName);
        });
    }

    /// <summary><c>Auto</c>: Ollama when its embed-model connection is configured, else the in-process model.</summary>
    public static EmbeddingProvider ResolveProvider(EmbeddingProvider configured, OllamaConnection? embedConnection) => configured switch
    {
        EmbeddingProvider.Auto => embedConnection is null ? EmbeddingProvider.Embedded : EmbeddingProvider.Ollama,
        _ => configured,
    };

    /// <summary>The in-process model's <c>embeddings</c> breaker (same options as Ollama's) around a per-call timeout.</summary>
    private static ResiliencePipeline EmbeddedPipeline(IServiceProvider services, EmbeddingOptions embed)
    {
        var breakers = services.GetRequiredService<CircuitBreakerRegistry>();
        var pipeline = new ResiliencePipelineBuilder();
        breakers.AddNamedCircuitBreaker(pipeline, EmbeddingService.BreakerName, embed.Breaker, new CircuitBreakerStrategyOptions());
        return pipeline.AddTimeout(embed.BatchTimeout).Build();
    }
}
