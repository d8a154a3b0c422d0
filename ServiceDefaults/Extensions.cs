using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Scalar.AspNetCore;
using ServiceDefaults;
using ServiceDefaults.Auth;
using ServiceDefaults.Data;
using ServiceDefaults.Endpoints;
using ServiceDefaults.Health;
using ServiceDefaults.OpenApi;
using ServiceDefaults.Problems;
using ServiceDefaults.RateLimiting;
using ServiceDefaults.Requests;
using ServiceDefaults.Resilience;
using ServiceDefaults.Streaming;
using ServiceDefaults.Validation;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every service gets: telemetry, health, resilience, service discovery, JSON logs, problem details,
/// authentication, request budgets and circuit-breaker administration. Services call
/// <see cref="AddServiceDefaults{TBuilder}"/>, <see cref="UseServiceDefaults"/> and <see cref="MapDefaultEndpoints"/>.
/// </summary>
public static class Extensions
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddOptions<ServiceDefaultsOptions>()
            .Bind(builder.Configuration.GetSection(ServiceDefaultsOptions.Section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var defaults = builder.Configuration.GetSection(ServiceDefaultsOptions.Section).Get<ServiceDefaultsOptions>()
                       ?? new ServiceDefaultsOptions();

        builder.Services.TryAddTimeProvider();
        builder.ConfigureStructuredLogging();
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddTransient<BudgetPropagationHandler>();
        builder.Services.AddReadWatchdog(defaults.ResponseReadIdleTimeout, defaults.MaxResponseBodyBytes);
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Short service calls: 10 s per attempt, 30 s in all. LLM-facing clients replace this: see README "HTTP clients".
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
            http.AddHttpMessageHandler<BudgetPropagationHandler>();
        });

        builder.Services.AddSingleton<CircuitBreakerRegistry>();
        builder.Services.AddSingleton<InFlightRequests>();
        builder.Services.AddSingleton<DbPoolObserver>();
        builder.Services.AddDefaultProblemDetails();
        builder.Services.AddJsonInputGuard();
        builder.AddDefaultAuthentication();
        builder.Services.AddUserRateLimiter();
        builder.Services.AddUserStreamLimits(builder.Configuration);
        builder.Services.AddRequestTimeouts(o => o.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = defaults.DefaultRequestTimeout,
            TimeoutStatusCode = StatusCodes.Status504GatewayTimeout,
        });
        builder.Services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = defaults.MaxRequestBodyBytes);
        builder.Services.Configure<HostOptions>(o =>
        {
            o.ShutdownTimeout = defaults.ShutdownTimeout;
            // Every queue's workers drain at the same time, so a stop takes the slowest drain, not the sum of them.
            o.ServicesStopConcurrently = true;
        });
        builder.Services.AddOpenApi(o => o.AddErrorResponses());
        return builder;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (services.All(d => d.ServiceType != typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    private static void ConfigureStructuredLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!builder.Configuration.GetValue("Logging:PlainConsole", false))
        {
            builder.Logging.ClearProviders();
            builder.Logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            });
        }
    }

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

        var otel = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("Npgsql", "DurableJobs", "Polly", ServiceMetrics.MeterName, builder.Environment.ApplicationName,
                    "Experimental.Microsoft.Extensions.AI")
                .AddView(SecondsBuckets)
                // Prometheus reserves the _count suffix for histograms and summaries (`promtool check metrics` refuses
                // these four gauges of Npgsql and the .NET runtime): they are exported under names without it.
                .AddView("db.client.connection.count", "db.client.connections")
                .AddView("dotnet.assembly.count", "dotnet.assemblies.loaded")
                .AddView("dotnet.process.cpu.count", "dotnet.process.cpus")
                .AddView("dotnet.timer.count", "dotnet.timers")
                // Polly measures durations in milliseconds, which Prometheus refuses as a base unit; the same calls are
                // measured in seconds by http_client_request_duration_seconds and the services' own histograms, and
                // Polly's events (retries, breaker transitions, timeouts) stay in resilience_polly_strategy_events_total.
                .AddView("resilience.polly.pipeline.duration", MetricStreamConfiguration.Drop)
                .AddView("resilience.polly.strategy.attempt.duration", MetricStreamConfiguration.Drop)
                .AddPrometheusExporter());

        // Spans are recorded only when they go somewhere: with no OTLP endpoint, recording every span costs CPU on
        // every request for nothing. Log lines carry trace and span ids either way (ASP.NET Core creates the activity).
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(tracing => tracing
                    .AddSource(builder.Environment.ApplicationName, "DurableJobs", "Npgsql", "Experimental.Microsoft.Extensions.AI")
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                        !HealthEndpoints.ProbePaths.Contains(ctx.Request.Path.Value, StringComparer.OrdinalIgnoreCase))
                    .AddHttpClientInstrumentation())
                .UseOtlpExporter();
        }
    }

    /// <summary>
    /// Bucket boundaries for histograms in seconds that bring none of their own (OpenTelemetry's default boundaries,
    /// 0 … 10000, are meant for milliseconds: every job and delivery duration fell into the first bucket and no
    /// percentile could be computed): 5 ms to 10 minutes.
    /// </summary>
    internal static readonly double[] SecondsBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private static MetricStreamConfiguration? SecondsBuckets(System.Diagnostics.Metrics.Instrument instrument) =>
        instrument is System.Diagnostics.Metrics.Histogram<double> { Unit: "s" } histogram
            && histogram.Advice?.HistogramBucketBoundaries is null
            ? new ExplicitBucketHistogramConfiguration { Boundaries = SecondsBoundaries }
            : null;

    private static void AddDefaultHealthChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [HealthTags.Live]);
        builder.Services.AddSingleton<HealthReportCache>();
        builder.Services.AddSingleton<ServiceMetrics>();
        builder.Services.AddHostedService<ServiceMetrics.Activator>();
        builder.Services.AddOptions<HealthCheckServiceOptions>()
            .Configure<IOptions<ServiceDefaultsOptions>>((o, defaults) =>
            {
                foreach (var registration in o.Registrations)
                {
                    if (registration.Timeout <= TimeSpan.Zero || registration.Timeout > defaults.Value.HealthCheckTimeout)
                    {
                        registration.Timeout = defaults.Value.HealthCheckTimeout;
                    }
                }
            });
    }

    /// <summary>The middleware every service runs, in order: errors as problem details, auth, request budgets.</summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRequestTimeouts();
        app.UseMiddleware<RequestBudgetMiddleware>();
        // why: after authentication and authorization, so limits are per `sub` and anonymous callers are 401 before they count
        app.UseRateLimiter();
        app.UseMiddleware<UserStreamMiddleware>();
        return app;
    }

    /// <summary>Probes, metrics, health details, circuit-breaker admin and the OpenAPI document.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthEndpoints();
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous().DisableRequestTimeout();
        app.MapCircuitBreakerAdmin();
        foreach (var endpoints in app.Services.GetServices<IDefaultEndpoints>())
        {
            endpoints.Map(app);
        }

        app.MapOpenApi().AllowAnonymous();
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference().AllowAnonymous();
        }

        return app;
    }
}
