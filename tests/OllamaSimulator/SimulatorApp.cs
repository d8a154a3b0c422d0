using System.Net;

namespace OllamaSimulator;

/// <summary>Composes the simulator web application, for both the standalone process and in-process tests.</summary>
internal static class SimulatorApp
{
    public const string DefaultUrl = "http://127.0.0.1:11434";

    /// <param name="options">Null in standalone mode: read from the <c>Simulator</c> configuration section.</param>
    /// <param name="onFreeLoopbackPort">In-process mode: listen on 127.0.0.1 with a port chosen by the OS, and stay quiet.</param>
    public static WebApplication Build(string[] args, SimulatorOptions? options, bool onFreeLoopbackPort)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = args,
            ApplicationName = typeof(SimulatorApp).Assembly.GetName().Name,
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

        var resolved = options ?? SimulatorOptions.FromConfiguration(builder.Configuration.GetSection(SimulatorOptions.SectionName));
        resolved.Validate();

        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.Services.AddSingleton(resolved);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<ModelCatalog>();
        builder.Services.AddSingleton<SimulatorState>();
        builder.Services.AddSingleton<HashingEmbedder>();
        builder.Services.AddSingleton<SimulatorServices>();

        var app = builder.Build();
        app.MapModelsApi();
        app.MapCompletionApi();
        app.MapEmbeddingsApi();
        app.MapSimulatorAdminApi();
        return app;
    }
}
