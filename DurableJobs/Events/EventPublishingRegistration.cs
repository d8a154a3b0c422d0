using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;

namespace DurableJobs.Events;

public static class EventPublishingRegistration
{
    /// <summary>The <see cref="ServiceTokenProvider"/> client of the events queue (section <c>Events:DistributorAuth</c>).</summary>
    public const string TokenClient = "events";

    /// <summary>The <see cref="IHttpClientFactory"/> client that posts to DistributorService (service discovery, standard
    /// resilience).</summary>
    public const string HttpClientName = "events-distributor";

    /// <summary>
    /// Adds the service's events outbox: <see cref="EventPublisher"/> (scoped) and, when publishing is on (see
    /// <see cref="EventPublishingOptions.Enabled"/>), the queue <paramref name="queue"/> whose handler posts to DistributorService
    /// as <paramref name="identity"/> (role <c>publisher</c>, audience <c>distributorservice</c>; <c>Events:DistributorAuth</c>
    /// overrides). Queue defaults: 2 workers, 25 attempts, 2 s doubling to 5 min between them (about 1.5 h of outage before a
    /// dead letter); <c>Jobs:Queues:&lt;queue&gt;</c> overrides them. <paramref name="tokenSection"/> names the token's section
    /// when it is not <c>Events:DistributorAuth</c>.
    /// </summary>
    public static DurableJobsBuilder AddEventPublishing(this DurableJobsBuilder jobs, IConfiguration configuration, string queue,
        string identity, string? tokenSection = null)
    {
        var section = configuration.GetSection(EventPublishingOptions.Section);
        var settings = section.Get<EventPublishingOptions>() ?? new EventPublishingOptions();
        // why: tests and standalone runs have no distributor; the AppHost injects its address, which turns publishing on
        var enabled = settings.Enabled ?? configuration.GetSection($"services:{settings.BaseAddress.Host}").Exists();
        var services = jobs.Services;
        services.AddOptions<EventPublishingOptions>().Bind(section).PostConfigure(o => o.Enabled = enabled)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<EventPublisher>();
        if (!enabled)
        {
            return jobs;
        }

        services.AddServiceToken(TokenClient, new ServiceTokenDefaults(tokenSection ?? $"{EventPublishingOptions.Section}:DistributorAuth",
            identity, ServiceAudiences.Distributor, [AuthRoles.Publisher], TimeSpan.FromMinutes(15)));
        services.AddHttpClient(HttpClientName, (sp, http) =>
            http.BaseAddress = sp.GetRequiredService<IOptions<EventPublishingOptions>>().Value.BaseAddress);
        return jobs.AddQueue<OutboundEvent, EventPublishingHandler>(queue, q =>
        {
            q.Concurrency = 2;
            q.DefaultTimeout = TimeSpan.FromMinutes(1);
            q.MaxAttempts = 25;
            q.MaxAttemptsLimit = 25;
            q.RetryInitialDelay = TimeSpan.FromSeconds(2);
            q.RetryMaxDelay = TimeSpan.FromMinutes(5);
        });
    }
}
