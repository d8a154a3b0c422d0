using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.DependencyInjection;
using ServiceDefaults.Auth;
using Xunit;

namespace AppHost.Tests;

[CollectionDefinition(Name)]
public sealed class LocalAppHostCollection : ICollectionFixture<AppHostFixture>
{
    public const string Name = "AppHost in local mode";
}

/// <summary>
/// Starts the AppHost once for every test of <see cref="LocalAppHostCollection"/>: local mode (PostgreSQL, Redis and
/// Chroma from local binaries, data in a fresh temporary folder), the Ollama simulator as the model, the dashboard on.
/// Nothing listens on a fixed port: the dependencies, the dashboard and its OTLP and resource-service endpoints get
/// free loopback ports chosen here, the services random ones (Aspire.Hosting.Testing), so the tests run beside a
/// running AppHost. JWT settings, the dashboard's browser token and its telemetry API key are chosen here.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public const string Issuer = "apphost-tests";

    public static readonly string[] Services = ["distributorservice", "chatservice", "evaluationservice"];

    /// <summary>The audience the AppHost gives <paramref name="service"/> (parameter <c>&lt;service&gt;-audience</c>).</summary>
    public static string AudienceOf(string service) => $"apphost-tests-{service}";

    /// <summary>Tokens minted here are for every service (<c>aud</c> an array), like eng/TokenTool's default.</summary>
    public static readonly string[] Audiences = [.. Services.Select(AudienceOf)];

    /// <summary>Resources that run a process and report health; the connection-string resources are checked separately.</summary>
    public static readonly string[] ProcessResources =
        ["postgres", "redis-server", "chroma", "ollama-simulator", .. Services];

    // why this long: nothing is built here (the projects are), but seven processes start, initdb and three services'
    // migrations run, on two cores that other work may share (about 40 s on a quiet machine).
    private static readonly TimeSpan StartupBudget = TimeSpan.FromMinutes(6);

    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromMinutes(1);

    private DistributedApplication? _app;

    public string SigningKey { get; } = RandomNumberGenerator.GetHexString(64);

    public string BrowserToken { get; } = RandomNumberGenerator.GetHexString(32);

    public string DashboardApiKey { get; } = RandomNumberGenerator.GetHexString(32);

    /// <summary>The dashboard as a browser reaches it (the testing builder proxies it on a random port).</summary>
    public Uri DashboardUrl => App.GetEndpoint("aspire-dashboard", "http");

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), $"apphost-tests-{Guid.NewGuid():N}");

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost is not running.");

    public string MintToken(bool admin) =>
        MintToken(admin ? "apphost-tests-admin" : "apphost-tests-user", admin ? [AuthRoles.Admin] : []);

    /// <summary>A non-admin token with <paramref name="roles"/> (DistributorService's lists are for publishers and admins).</summary>
    public string MintToken(string userId, params string[] roles) => MintTokenFor(Audiences, userId, roles);

    /// <summary>A token for <paramref name="audiences"/> only.</summary>
    public string MintTokenFor(string[] audiences, string userId, params string[] roles) =>
        DevTokenIssuer.Mint(SigningKey, [new("sub", userId), .. roles.Select(r => new System.Security.Claims.Claim("role", r))], Issuer,
            audiences, TimeSpan.FromMinutes(30));

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(StartupBudget);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            "--Dependencies:Mode=local",
            $"--Dependencies:DataDirectory={DataDirectory}",
            "--Ollama:Simulate=true",
            $"--Parameters:auth-signing-key={SigningKey}",
            $"--Parameters:auth-issuer={Issuer}",
            .. Services.Select(s => $"--Parameters:{s}-audience={AudienceOf(s)}"),
            $"--Parameters:distributor-secrets-key={RandomNumberGenerator.GetHexString(48)}",
            // Behind the proxy the dashboard listens on these; without them the launch profile's fixed ports are used.
            $"--ASPNETCORE_URLS=http://127.0.0.1:{FreePort()}",
            $"--ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL=http://127.0.0.1:{FreePort()}",
            $"--ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://127.0.0.1:{FreePort()}",
            "--ASPIRE_ALLOW_UNSECURED_TRANSPORT=true",
            // why this name: the testing builder ignores AppHost:BrowserToken and generates one; this one it passes on.
            $"--ASPIRE_DASHBOARD_FRONTEND_BROWSERTOKEN={BrowserToken}",
            $"--AppHost:DashboardApiKey={DashboardApiKey}",
        ], (options, _) => options.DisableDashboard = false, startup.Token);

        DistributedApplication app;
        try
        {
            app = await appHost.BuildAsync(startup.Token);
        }
        catch
        {
            await appHost.DisposeAsync();
            throw;
        }

        try
        {
            await app.StartAsync(startup.Token);
            foreach (var resource in ProcessResources)
            {
                await WaitUntilHealthyAsync(app, resource, startup);
            }
        }
        catch
        {
            await StopAsync(app);
            DeleteDataDirectory();
            throw;
        }

        _app = app;
    }

    public async Task DisposeAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await StopAsync(app);
        }

        DeleteDataDirectory();
    }

    public IEnumerable<IResource> Resources => App.Services.GetRequiredService<DistributedApplicationModel>().Resources;

    private static async Task WaitUntilHealthyAsync(DistributedApplication app, string resource, CancellationTokenSource startup)
    {
        try
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(resource, startup.Token);
        }
        catch (OperationCanceledException ex) when (startup.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"'{resource}' was not healthy within {StartupBudget.TotalMinutes} minutes of starting the AppHost; " +
                "see its log in the test output or run the AppHost (eng/run.sh) and open the dashboard.", ex);
        }
    }

    private static async Task StopAsync(DistributedApplication app)
    {
        using var shutdown = new CancellationTokenSource(ShutdownBudget);
        try
        {
            await app.StopAsync(shutdown.Token);
        }
        finally
        {
            await app.DisposeAsync();
        }
    }

    private void DeleteDataDirectory()
    {
        try
        {
            if (Directory.Exists(DataDirectory))
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
        }
        catch (IOException)
        {
            // a process that outlived its stop still holds a file: the folder is under the temp directory anyway
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
