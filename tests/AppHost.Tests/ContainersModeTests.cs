using System.Security.Cryptography;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// Containers mode (PostgreSQL, Redis, Chroma containers) cannot start on a machine without a container runtime;
/// what can be checked without one is checked here: its application model, and that the services see the same
/// variables as in local mode. Starting it is a test of its own that runs where Docker or Podman answers.
/// </summary>
public sealed class ContainersModeTests : IDisposable
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(2);

    // Local mode's builder creates its data folders (empty: nothing starts here); removed after each test.
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), $"apphost-tests-model-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task Containers_mode_declares_the_containers_and_no_local_process()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var builder = await CreateAsync("containers", timeout.Token);

        var containers = builder.Resources.OfType<ContainerResource>().Select(r => r.Name).ToHashSet();
        Assert.Superset(new HashSet<string> { "postgres", "redis", "chroma" }, containers);
        // (a project's hidden rebuilder is an ExecutableResource subclass: only plain executables are local processes)
        Assert.DoesNotContain(builder.Resources, r => r.GetType() == typeof(ExecutableResource));
        Assert.Contains(builder.Resources, r => r.Name == "chatdb" && r is PostgresDatabaseResource);
    }

    [Fact]
    public async Task Containers_mode_adds_open_webui_on_chatservices_openai_api_with_a_chatservice_token()
    {
        using var timeout = new CancellationTokenSource(Budget);
        await using var builder = await CreateAsync("containers", timeout.Token);
        var webUi = Assert.Single(builder.Resources.OfType<ContainerResource>(), r => r.Name == "open-webui");
        Assert.True(webUi.TryGetContainerImageName(out var image));
        Assert.Equal("ghcr.io/open-webui/open-webui:v0.6.18", image);

        // The environment callbacks as DCP would run them (values resolved later; the key is minted now).
        var environment = new Dictionary<string, object>();
        var context = new EnvironmentCallbackContext(builder.ExecutionContext, webUi, environment, timeout.Token);
        foreach (var callback in webUi.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        Assert.Equal("false", environment["ENABLE_OLLAMA_API"]);
        var baseUrl = Assert.IsType<ReferenceExpression>(environment["OPENAI_API_BASE_URL"]);
        Assert.Equal("{chatservice.bindings.http.url}/v1", baseUrl.ValueExpression);

        // The API key is a token ChatService accepts: its signing key, issuer and audience, subject open-webui.
        var signingKey = await Parameter(builder, "auth-signing-key").GetValueAsync(timeout.Token);
        var validation = await new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().ValidateTokenAsync(
            Assert.IsType<string>(environment["OPENAI_API_KEY"]),
            new Microsoft.IdentityModel.Tokens.TokenValidationParameters
            {
                ValidIssuer = "apphost-tests",
                ValidAudience = "apphost-tests-chatservice",
                IssuerSigningKey = ServiceDefaults.Auth.DevTokenIssuer.SigningKeyFrom(signingKey!),
            });
        Assert.True(validation.IsValid, validation.Exception?.Message);
        Assert.Equal("open-webui", validation.Claims["sub"]);

        await using var local = await CreateAsync("local", timeout.Token);
        Assert.DoesNotContain(local.Resources, r => r.Name == "open-webui");
    }

    private static ParameterResource Parameter(IDistributedApplicationTestingBuilder builder, string name) =>
        builder.Resources.OfType<ParameterResource>().Single(p => p.Name == name);

    [Fact]
    public async Task Services_get_the_same_variables_in_both_modes()
    {
        using var timeout = new CancellationTokenSource(Budget);
        var local = await VariableNamesAsync("local", timeout.Token);
        var containers = await VariableNamesAsync("containers", timeout.Token);

        foreach (var service in AppHostFixture.Services)
        {
            Assert.Equal(local[service], containers[service]);
        }

        // The contract of the README's configuration table (OTEL_* are added in run mode only, not in this evaluation).
        string[] contract =
        [
            "ConnectionStrings__chatdb", "ConnectionStrings__redis", "ConnectionStrings__chat-model",
            "ConnectionStrings__embed-model", "services__chroma__http__0", "services__distributorservice__http__0",
            "Auth__SigningKey", "Auth__Issuer", "Auth__Audience",
        ];
        Assert.Empty(contract.Except(local["chatservice"]));
        Assert.DoesNotContain(local["chatservice"], name => name.StartsWith("CHATDB_", StringComparison.Ordinal));
    }

    [ContainerRuntimeFact]
    public async Task Containers_mode_starts_every_service_healthy()
    {
        // First run pulls four images (and, with UseOllamaToolkit=true, about 1.6 GB of models).
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await using var builder = await CreateAsync("containers", timeout.Token);
        await using var app = await builder.BuildAsync(timeout.Token);
        await app.StartAsync(timeout.Token);
        foreach (var service in AppHostFixture.Services)
        {
            await app.ResourceNotifications.WaitForResourceHealthyAsync(service, timeout.Token);
        }

        await app.StopAsync(timeout.Token);
    }

    private async Task<IDistributedApplicationTestingBuilder> CreateAsync(string mode, CancellationToken cancellationToken) =>
        await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            $"--Dependencies:Mode={mode}",
            $"--Dependencies:DataDirectory={_dataDirectory}",
            $"--Parameters:auth-signing-key={RandomNumberGenerator.GetHexString(64)}",
            "--Parameters:auth-issuer=apphost-tests",
            "--Parameters:chatservice-audience=apphost-tests-chatservice",
            "--Parameters:evaluationservice-audience=apphost-tests-evaluationservice",
            "--Parameters:distributorservice-audience=apphost-tests-distributorservice",
            $"--Parameters:distributor-secrets-key={RandomNumberGenerator.GetHexString(48)}",
        ], cancellationToken);

    private async Task<Dictionary<string, SortedSet<string>>> VariableNamesAsync(string mode, CancellationToken cancellationToken)
    {
        await using var builder = await CreateAsync(mode, cancellationToken);
        var names = new Dictionary<string, SortedSet<string>>();
        foreach (var project in builder.Resources.OfType<ProjectResource>().Where(p => AppHostFixture.Services.Contains(p.Name)))
        {
            // why the obsolete helper: its replacement (ExecutionConfigurationBuilder) needs a logger and an execution
            // context for the same answer; Publish evaluates the names without starting anything.
#pragma warning disable CS0618
            var variables = await project.GetEnvironmentVariableValuesAsync(DistributedApplicationOperation.Publish);
#pragma warning restore CS0618
            names[project.Name] = new SortedSet<string>(variables.Keys, StringComparer.Ordinal);
        }

        return names;
    }
}
