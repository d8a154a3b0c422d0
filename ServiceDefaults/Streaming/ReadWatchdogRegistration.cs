using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace ServiceDefaults.Streaming;

public static class ReadWatchdogRegistration
{
    /// <summary>
    /// Puts <see cref="ReadWatchdogHandler"/> outermost in every <c>IHttpClientFactory</c> client, with
    /// <paramref name="defaultIdle"/> unless the client configured its own <see cref="ReadWatchdogOptions"/> by name.
    /// </summary>
    public static IServiceCollection AddReadWatchdog(
        this IServiceCollection services, TimeSpan defaultIdle, long? defaultMaxResponseBytes = null)
    {
        services.AddOptions<ReadWatchdogOptions>().ValidateDataAnnotations();
        services.ConfigureAll<ReadWatchdogOptions>(o =>
        {
            o.IdleTimeout = defaultIdle;
            o.MaxResponseBytes = defaultMaxResponseBytes ?? o.MaxResponseBytes;
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHttpMessageHandlerBuilderFilter, ReadWatchdogFilter>());
        return services;
    }

    /// <summary>Sets the per-read idle bound of the named client's response bodies.</summary>
    public static IHttpClientBuilder WithReadIdleTimeout(this IHttpClientBuilder builder, TimeSpan idle)
    {
        builder.Services.Configure<ReadWatchdogOptions>(builder.Name, o => o.IdleTimeout = idle);
        return builder;
    }

    /// <summary>Sets the most bytes read from one response body of the named client.</summary>
    public static IHttpClientBuilder WithMaxResponseBytes(this IHttpClientBuilder builder, long maxBytes)
    {
        builder.Services.Configure<ReadWatchdogOptions>(builder.Name, o => o.MaxResponseBytes = maxBytes);
        return builder;
    }

    private sealed class ReadWatchdogFilter(IOptionsMonitor<ReadWatchdogOptions> options) : IHttpMessageHandlerBuilderFilter
    {
        public Action<HttpMessageHandlerBuilder> Configure(Action<HttpMessageHandlerBuilder> next) => builder =>
        {
            next(builder);
            builder.AdditionalHandlers.Insert(0, new ReadWatchdogHandler(options, builder.Name ?? Options.DefaultName));
        };
    }
}
