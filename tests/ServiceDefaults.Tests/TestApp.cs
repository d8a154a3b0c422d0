using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDefaults.Auth;

namespace ServiceDefaults.Tests;

/// <summary>A real Kestrel app on a loopback port, composed exactly as the services compose theirs.</summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string SigningKey = "test-signing-key-0123456789-0123456789-abcdef";

    /// <summary>The test app's own audience (Auth:Audience); its tokens are minted for it.</summary>
    public const string Audience = "testservice";

    private TestApp(WebApplication app, Uri baseAddress)
    {
        App = app;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static WebApplication Build(Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null, IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = environment });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Auth:SigningKey"] = SigningKey,
            ["Auth:Audience"] = Audience,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }

        builder.AddServiceDefaults();
        configure?.Invoke(builder);
        var app = builder.Build();
        app.UseServiceDefaults();
        map?.Invoke(app);
        app.MapDefaultEndpoints();
        return app;
    }

    public static async Task<TestApp> StartAsync(Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null, IDictionary<string, string?>? settings = null, string environment = "Development")
    {
        var app = Build(configure, map, settings, environment);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await app.StartAsync(cts.Token);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        return new TestApp(app, new Uri(address));
    }

    public static string Token(string user, bool admin) =>
        DevTokenIssuer.Mint(SigningKey, user, admin, "aspire-chat-dev", Audience, TimeSpan.FromMinutes(5));

    public HttpRequestMessage Request(HttpMethod method, string path, string? user = "alice", bool admin = false)
    {
        var request = new HttpRequestMessage(method, path);
        if (user is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(user, admin));
        }

        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(cts.Token);
        await App.DisposeAsync();
    }
}
