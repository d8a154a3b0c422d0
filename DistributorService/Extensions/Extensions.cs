using DistributorService.Apis;
using DistributorService.Data;
using DistributorService.Delivery;
using DistributorService.Destinations;
using DistributorService.Health;
using DistributorService.Intake;
using DistributorService.Options;
using DistributorService.Telemetry;
using DurableJobs;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;
using ServiceDefaults.Data;
using ServiceDefaults.Health;
using ServiceDefaults.Redis;

namespace DistributorService.Extensions;

public static class Extensions
{
    /// <summary>Everything DistributorService needs besides the service defaults: database, Redis, feature services.</summary>
    public static IHostApplicationBuilder AddDistributorServices(this IHostApplicationBuilder builder)
    {
        builder.AddPostgresDbContext<DistributorDbContext>("distdb");
        builder.AddRedisConnection("redis");
        builder.AddDistributorRateLimits();

        builder.Services.AddOptions<DistributorOptions>()
            .Bind(builder.Configuration.GetSection(DistributorOptions.Section))
            .Validate(o => o.Publishers.All(p => !string.IsNullOrWhiteSpace(p.Key)
                && p.Value.EventTypes.All(PublisherOptions.IsValidPattern)),
                "Distributor:Publishers:<subject>:EventTypes takes exact types, prefixes ending in '.*', or '*'.")
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DistributorOptions>, DistributorOptionsValidator>();
        var delivery = builder.Configuration.GetSection(DistributorOptions.Section).Get<DistributorOptions>()?.Delivery
            ?? new DeliveryOptions();

        builder.Services.AddSingleton<SecretProtector>();
        builder.Services.AddSingleton<SsrfGuard>();
        builder.Services.AddSingleton<DestinationEditor>();
        builder.Services.AddSingleton<DestinationCatalog>();
        builder.Services.AddSingleton<DestinationConnections>();
        builder.Services.AddSingleton<DestinationBreakers>();
        builder.Services.AddSingleton<DestinationSlots>();
        builder.Services.AddSingleton<DestinationRateLimiter>();
        builder.Services.AddSingleton<OAuthTokenCache>();
        builder.Services.AddSingleton<DeliverySender>();
        builder.Services.AddSingleton<DestinationBatcher>();
        builder.Services.AddSingleton<DistributorMetrics>();
        builder.Services.AddSingleton<IntakeGate>();
        builder.Services.AddSingleton<Publishers>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Publishers.PolicyName, p => p.RequireAuthenticatedUser().RequireAssertion(c => Publishers.CanPublish(c.User)))
            .AddPolicy(Publishers.ReaderPolicyName, p => p.RequireAuthenticatedUser()
                .RequireAssertion(c => c.User.IsAdmin() || Publishers.CanPublish(c.User)));
        builder.Services.AddScoped<DeliveryJobs>();
        builder.Services.AddScoped<EventIntake>();
        builder.Services.AddScoped<ParkedDistributions>();

        // Before the job workers: hosted services stop in reverse order, so the ledger writes what their last attempts queued.
        builder.Services.AddSingleton<DeliveryLedger>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryLedger>());
        builder.Services.AddDurableJobs<DistributorDbContext>()
            .AddQueue<DeliveryJobPayload, DeliveryJobHandler>(DeliveryJobPayload.Queue, q =>
            {
                q.Concurrency = delivery.Workers;
                q.BufferSize = delivery.Workers;
                q.MaxAttemptsLimit = 100;
                q.MaxTimeout = TimeSpan.FromHours(2);
                // The destination's own timeout ends an attempt; a job timeout only catches a handler that is stuck elsewhere.
                q.RetryOnTimeout = true;
            })
            // Events older than this go with their distributions and attempts (cascade), once none is pending or processing.
            .AddRetention("distributor-events", TimeSpan.FromDays(30), _ => DurableJobs.Retention.RetentionFamily.DeleteBatch("events",
                $"""
                "AcceptedAt" < @cutoff AND NOT EXISTS (SELECT 1 FROM distributions d WHERE d."EventId" = events."Id"
                    AND d."Status" IN ('{DistributionStatus.Pending}', '{DistributionStatus.Processing}'))
                """));

        builder.Services.AddHostedService<DestinationHealthMonitor>();
        builder.Services.AddHealthChecks()
            .AddCheck<DestinationsHealthCheck>("destinations", HealthStatus.Degraded, [HealthTags.Ready]);
        return builder;
    }

    /// <summary>The DistributorService endpoints (the service defaults map probes, metrics and admin).</summary>
    public static WebApplication MapDistributorApis(this WebApplication app)
    {
        app.MapDestinationsApi();
        app.MapEventsApi();
        app.MapDistributionsApi();
        app.MapDeadLettersApi();
        app.MapDistributorAdminApi();
        return app;
    }
}
