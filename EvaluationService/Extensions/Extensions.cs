using System.Data.Common;
using DurableJobs;
using DurableJobs.Events;
using DurableJobs.Retention;
using EvaluationService.Apis;
using EvaluationService.Auth;
using EvaluationService.Chat;
using EvaluationService.Data;
using EvaluationService.Options;
using EvaluationService.Outbox;
using EvaluationService.Reports;
using EvaluationService.Runs;
using EvaluationService.Scoring;
using EvaluationService.Suites;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OllamaSharp;
using ServiceDefaults.Data;
using ServiceDefaults.Redis;
using ServiceDefaults.Streaming;

namespace EvaluationService.Extensions;

public static class Extensions
{
    /// <summary>Everything EvaluationService needs besides the service defaults: database, Redis, feature services.</summary>
    public static IHostApplicationBuilder AddEvaluationServices(this IHostApplicationBuilder builder)
    {
        builder.AddPostgresDbContext<EvaluationDbContext>("evaldb");
        builder.AddRedisConnection("redis");
        builder.AddEvaluationRateLimits();

        var services = builder.Services;
        services.AddOptions<EvaluationOptions>().BindConfiguration(EvaluationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ChatServiceOptions>().BindConfiguration(ChatServiceOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddEvaluationServiceTokens();
        services.AddOptions<JudgeOptions>().BindConfiguration(JudgeOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<GenerationOptions>().BindConfiguration(GenerationOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        services.AddChatServiceClient();
        builder.AddEvaluationLlm();

        services.AddSingleton<LlmJudge>();
        services.AddSingleton<SemanticScorer>();
        services.AddSingleton<RunSlots>();
        services.AddSingleton<CaseRunner>();
        services.AddSingleton<RunFinalizer>();
        services.AddScoped<ReportBuilder>();

        var evaluation = builder.Configuration.GetSection(EvaluationOptions.Section).Get<EvaluationOptions>() ?? new EvaluationOptions();
        var generation = builder.Configuration.GetSection(GenerationOptions.Section).Get<GenerationOptions>() ?? new GenerationOptions();
        var longestRun = evaluation.SlotWait + evaluation.MaxRunTimeout + evaluation.FinalizeTimeout * 2;
        services.AddDurableJobs<EvaluationDbContext>()
            .AddQueue<RunJobPayload, EvaluationRunHandler>(RunJobPayload.Queue, q =>
            {
                // why: one run per process; the advisory-lock slots cap runs across replicas (a pool of 1 per process cannot).
                q.Concurrency = 1;
                q.DefaultTimeout = longestRun;
                q.MaxTimeout = longestRun;
                // why: a run resumes where it stopped, so an attempt lost to a crash costs little; timeouts end the run instead.
                q.MaxAttempts = 5;
                q.RetryOnTimeout = false;
            })
            .AddQueue<GenerationJobPayload, SuiteGenerationHandler>(GenerationJobPayload.Queue, q =>
            {
                q.Concurrency = 1;
                q.DefaultTimeout = generation.JobTimeout;
                q.MaxTimeout = generation.JobTimeout;
                q.MaxAttempts = 3;
            })
            // why: evaluation.completed to DistributorService through the shared events outbox (README "Distribution")
            .AddEventPublishing(builder.Configuration, EvaluationEvents.Queue, ServiceClients.Identity, ServiceClients.DistributorSection)
            // Finished runs expire: first their case results (batched), then the runs left without any. Sent events are
            // finished jobs of the evaluation-events queue: the jobs-finished family prunes them.
            .AddRetention("evaluation-results", TimeSpan.FromDays(90), _ => RetentionFamily.DeleteBatch("case_results",
                "\"RunId\" IN (SELECT r.\"Id\" FROM runs r WHERE r.\"FinishedAt\" < @cutoff)"))
            .AddRetention("evaluation-runs", TimeSpan.FromDays(90), _ => RetentionFamily.DeleteBatch("runs",
                "\"FinishedAt\" < @cutoff AND NOT EXISTS (SELECT 1 FROM case_results c WHERE c.\"RunId\" = runs.\"Id\")"));
        return builder;
    }

    /// <summary>
    /// The optional judge/generation model from <c>ConnectionStrings__chat-model</c> (<c>Endpoint=…;Model=…</c>), talked to
    /// through OllamaSharp's <see cref="IChatClient"/> on an HttpClient without the standard handler (model load can take
    /// a minute); each call is bounded by <see cref="JudgeOptions.Timeout"/>.
    /// </summary>
    private static void AddEvaluationLlm(this IHostApplicationBuilder builder)
    {
        var judge = builder.Configuration.GetSection(JudgeOptions.Section).Get<JudgeOptions>() ?? new JudgeOptions();
        var raw = builder.Configuration.GetConnectionString(judge.ConnectionName);
        var timeout = judge.Timeout;
        if (!judge.Enabled || string.IsNullOrWhiteSpace(raw))
        {
            builder.Services.AddSingleton(new EvaluationLlm(null, null, timeout, judge.MaxOutputTokens));
            return;
        }

        var parts = new DbConnectionStringBuilder { ConnectionString = raw };
        if (!parts.TryGetValue("Endpoint", out var endpoint) || !Uri.TryCreate(endpoint?.ToString(), UriKind.Absolute, out var endpointUri)
            || !parts.TryGetValue("Model", out var model) || string.IsNullOrWhiteSpace(model?.ToString()))
        {
            throw new InvalidOperationException(
                $"Connection string ConnectionStrings__{judge.ConnectionName} must look like 'Endpoint=http://host:port;Model=name'.");
        }

        const string clientName = "evaluation-llm";
        var http = builder.Services.AddHttpClient(clientName, c =>
        {
            c.BaseAddress = endpointUri;
            c.Timeout = timeout + TimeSpan.FromSeconds(5);
        });
#pragma warning disable EXTEXP0001 // why: the documented way to drop the default 10 s/30 s handler from one client.
        http.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        http.WithReadIdleTimeout(timeout);
        builder.Services.AddSingleton(sp =>
        {
            // why: OllamaSharp reads the answer without the caller's token; BoundReadsChatClient makes the judge's
            // timeout (and a run's cancellation) end a read blocked on a model server that stalled mid-answer
            var client = new BoundReadsChatClient(
                new OllamaApiClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient(clientName), model!.ToString()!));
            return new EvaluationLlm(client, model.ToString(), timeout, judge.MaxOutputTokens);
        });
    }

    /// <summary>The EvaluationService endpoints (the service defaults map probes, metrics and admin).</summary>
    public static WebApplication MapEvaluationApis(this WebApplication app)
    {
        app.MapSuitesApi();
        app.MapEvaluationsApi();
        return app;
    }
}
