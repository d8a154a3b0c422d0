using System.Net;

namespace WebhookSink;

/// <summary>Composes the sink web application, for both the standalone process and in-process tests.</summary>
internal static class SinkApp
{
    public const string DefaultUrl = "http://127.0.0.1:9099";

    /// <param name="options">Null in standalone mode: read from the <c>Sink</c> configuration section.</param>
    /// <param name="onFreeLoopbackPort">In-process mode: listen on 127.0.0.1 with a port chosen by the OS, and stay quiet.</param>
    public static WebApplication Build(string[] args, WebhookSinkOptions? options, bool onFreeLoopbackPort)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SinkApp).Assembly.GetName().Name,
        });

        if (onFreeLoopbackPort)
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
        }
        else
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
            {
                builder.WebHost.UseUrls(DefaultUrl);
            }
        }

        var resolved = options
            ?? builder.Configuration.GetSection(WebhookSinkOptions.SectionName).Get<WebhookSinkOptions>()
            ?? new WebhookSinkOptions();

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(resolved);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton<SinkState>();

        var app = builder.Build();
        app.MapSinkAdminApi();
        app.MapOAuthTokenEndpoint();
        app.MapSinkEndpoint();
        return app;
    }
}
