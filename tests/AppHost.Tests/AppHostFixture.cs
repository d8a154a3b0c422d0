using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using ServiceDefaults.Auth;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// Starts the whole AppHost once for the tests that share it, with JWT settings chosen here, and waits until
/// every service reports ready.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    public const string Issuer = "apphost-tests";

    public const string Audience = "apphost-tests-api";

    // why this long: a first run pulls four images and about 1.6 GB of models before ChatService may start.
    private static readonly TimeSpan StartupBudget = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan ShutdownBudget = TimeSpan.FromMinutes(1);

    private static readonly string[] Services = ["distributorservice", "chatservice", "evaluationservice"];

    private DistributedApplication? _app;

    /// <summary>A fresh key per run, handed to the AppHost as Parameters:auth-signing-key.</summary>
    public string SigningKey { get; } = RandomNumberGenerator.GetHexString(64);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The AppHost is not running.");

    public string MintToken(bool admin) =>
        DevTokenIssuer.Mint(SigningKey, admin ? "apphost-tests-admin" : "apphost-tests-user", admin, Issuer, Audience,
            TimeSpan.FromMinutes(30));

    public async Task InitializeAsync()
    {
        using var startup = new CancellationTokenSource(StartupBudget);
        var appHost = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            $"--Parameters:auth-signing-key={SigningKey}",
            $"--Parameters:auth-issuer={Issuer}",
            $"--Parameters:auth-audience={Audience}",
        ], startup.Token);

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
            foreach (var service in Services)
            {
                await WaitUntilHealthyAsync(app, service, startup);
            }
        }
        catch
        {
            await StopAsync(app);
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
    }

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
                "see its log in the test output or run the AppHost and open the dashboard.", ex);
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
}
