using ChatService.Activity;
using ChatService.Apis;
using ChatService.Caching;
using ChatService.Chroma;
using ChatService.Data;
using ChatService.Events;
using ChatService.Ingestion;
using ChatService.Llm;
using ChatService.Rag;
using ChatService.Tasks;
using DurableJobs;
using DurableJobs.Admin;
using DurableJobs.Events;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Options;
using ServiceDefaults.Data;
using ServiceDefaults.Redis;

namespace ChatService.Extensions;

public static class Extensions
{
    /// <summary>Everything ChatService needs besides the service defaults: database, Redis, feature services.</summary>
    public static IHostApplicationBuilder AddChatServices(this IHostApplicationBuilder builder)
    {
        builder.AddPostgresDbContext<ChatDbContext>("chatdb");
        builder.AddRedisConnection("redis");

        builder.Services.AddOptions<RetrievalOptions>().BindConfiguration(RetrievalOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ChatLimitsOptions>().BindConfiguration(ChatLimitsOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ChatTaskOptions>().BindConfiguration(ChatTaskOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ActivityOptions>().BindConfiguration(ActivityOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddLlm();
        builder.AddChroma();
        builder.AddChatCache();
        builder.AddChatRateLimits();

        builder.Services.AddScoped<HybridRetriever>();
        builder.Services.AddScoped<AnswerCache>();
        builder.Services.AddScoped<ChatTurnRunner>();
        builder.Services.AddSingleton<ExtractiveAnswer>();
        builder.Services.AddScoped<ChunkIndexer>();
        builder.Services.AddOptions<PdfSandboxOptions>().BindConfiguration(PdfSandboxOptions.Section).ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<PdfSandbox>();
        builder.Services.AddSingleton<GenerationGate>();
        builder.Services.AddHealthChecks().AddCheck<GenerationSlotsHealthCheck>(GenerationSlotsHealthCheck.Name);
        builder.Services.AddSingleton<ChatMetrics>();
        builder.Services.AddSingleton<ActivityHub>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ActivityHub>());
        builder.Services.AddHostedService<ReindexSweeper>();

        var ingestion = builder.Configuration.GetSection(IngestionOptions.Section).Get<IngestionOptions>() ?? new IngestionOptions();
        var tasks = builder.Configuration.GetSection(ChatTaskOptions.Section).Get<ChatTaskOptions>() ?? new ChatTaskOptions();
        builder.Services.AddDurableJobs<ChatDbContext>()
            .AddQueue<IngestionJobPayload, IngestionJobHandler>(IngestionJobPayload.Queue, o =>
            {
                o.Concurrency = ingestion.Workers;
                o.DefaultTimeout = ingestion.JobTimeout;
                o.MaxTimeout = ingestion.JobTimeout > o.MaxTimeout ? ingestion.JobTimeout : o.MaxTimeout;
                o.MaxAttempts = ingestion.MaxAttempts;
            })
            .AddQueue<ChatTaskPayload, ChatTaskHandler>(ChatTaskPayload.Queue, o =>
            {
                o.Concurrency = tasks.Workers;
                o.DefaultTimeout = tasks.Timeout;
                o.MaxTimeout = tasks.Timeout > o.MaxTimeout ? tasks.Timeout : o.MaxTimeout;
                o.MaxAttempts = tasks.MaxAttempts;
                o.RetryInitialDelay = TimeSpan.FromSeconds(1);
            })
            // why: document.* and chat.task.* events to DistributorService, staged with the state they report (README "Events")
            .AddEventPublishing(builder.Configuration, ChatEvents.Queue, ChatEvents.Identity);
        return builder;
    }

    /// <summary>The ChatService endpoints (the service defaults map probes, metrics and admin).</summary>
    public static WebApplication MapChatApis(this WebApplication app)
    {
        var limits = app.Services.GetRequiredService<IOptions<ChatLimitsOptions>>().Value;
        var ingestion = app.Services.GetRequiredService<IOptions<IngestionOptions>>().Value;
        app.MapDocumentsApi(ingestion.MaxUploadBytes);
        app.MapSessionsApi();
        app.MapChatApi(limits.RequestTimeout);
        app.MapTasksApi();
        app.MapActivityApi();
        app.MapOpenAiApi(limits.RequestTimeout);
        return app;
    }
}
