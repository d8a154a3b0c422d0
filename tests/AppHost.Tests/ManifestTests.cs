using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace AppHost.Tests;

/// <summary>
/// The AppHost's manifest publisher (what azd and aspirate read) writes every resource, binding, reference and secret
/// parameter: <c>dotnet run --project AppHost -- --publisher manifest --output-path aspire-manifest.json</c>.
/// </summary>
public sealed class ManifestTests : IDisposable
{
    private readonly string _output = Path.Combine(Path.GetTempPath(), $"apphost-manifest-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_output))
        {
            Directory.Delete(_output, recursive: true);
        }
    }

    [Fact]
    public async Task Manifest_has_every_resource_binding_reference_and_secret()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var path = Path.Combine(_output, "aspire-manifest.json");
        await PublishManifestAsync(path, timeout.Token);

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(path, timeout.Token));
        var resources = manifest.RootElement.GetProperty("resources");
        string Type(string name) => resources.GetProperty(name).GetProperty("type").GetString()!;
        string Env(string resource, string variable) =>
            resources.GetProperty(resource).GetProperty("env").GetProperty(variable).GetString()!;

        // Resources (publishing describes containers mode; the dev tools pgAdmin and Redis Insight are not deployed).
        Assert.Equal("container.v0", Type("postgres"));
        Assert.Equal("container.v0", Type("redis"));
        Assert.Equal("container.v0", Type("chroma"));
        foreach (var database in new[] { "chatdb", "evaldb", "distdb" })
        {
            Assert.Equal("value.v0", Type(database));
            Assert.Equal($"{{postgres.connectionString}};Database={database}",
                resources.GetProperty(database).GetProperty("connectionString").GetString());
        }

        foreach (var service in AppHostFixture.Services)
        {
            Assert.Equal("project.v0", Type(service));
            Assert.Equal("http",
                resources.GetProperty(service).GetProperty("bindings").GetProperty("http").GetProperty("scheme").GetString());
            Assert.Equal("{auth-signing-key.value}", Env(service, "Auth__SigningKey"));
            Assert.Equal("{auth-issuer.value}", Env(service, "Auth__Issuer"));
            Assert.Equal($"{{{service}-audience.value}}", Env(service, "Auth__Audience"));
            Assert.Equal("{redis.connectionString}", Env(service, "ConnectionStrings__redis"));
        }

        Assert.DoesNotContain(resources.EnumerateObject(), r => r.Name.Contains("pgadmin", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(resources.EnumerateObject(), r => r.Name.Contains("insight", StringComparison.OrdinalIgnoreCase));

        // Bindings: only ChatService is external; the dependencies' target ports.
        Assert.True(resources.GetProperty("chatservice").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.False(resources.GetProperty("distributorservice").GetProperty("bindings").GetProperty("http")
            .TryGetProperty("external", out var external) && external.GetBoolean());
        Assert.Equal(8000,
            resources.GetProperty("chroma").GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());
        Assert.Equal(5432,
            resources.GetProperty("postgres").GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());
        Assert.Equal(6379, resources.GetProperty("redis").GetProperty("bindings").GetProperty("tcp").GetProperty("targetPort").GetInt32());

        // References.
        Assert.Equal("{chatdb.connectionString}", Env("chatservice", "ConnectionStrings__chatdb"));
        Assert.Equal("{evaldb.connectionString}", Env("evaluationservice", "ConnectionStrings__evaldb"));
        Assert.Equal("{distdb.connectionString}", Env("distributorservice", "ConnectionStrings__distdb"));
        Assert.Equal("{chat-model.connectionString}", Env("chatservice", "ConnectionStrings__chat-model"));
        Assert.Equal("{embed-model.connectionString}", Env("chatservice", "ConnectionStrings__embed-model"));
        Assert.Equal("{chat-model.connectionString}", Env("evaluationservice", "ConnectionStrings__chat-model"));
        Assert.Equal("{chroma.bindings.http.url}", Env("chatservice", "services__chroma__http__0"));
        Assert.Equal("{distributorservice.bindings.http.url}", Env("chatservice", "services__distributorservice__http__0"));
        Assert.Equal("{distributorservice.bindings.http.url}", Env("evaluationservice", "services__distributorservice__http__0"));
        Assert.Equal("{chatservice.bindings.http.url}", Env("evaluationservice", "services__chatservice__http__0"));
        Assert.Equal("{distributor-secrets-key.value}", Env("distributorservice", "Distributor__Secrets__EncryptionKey"));

        // Secret parameters: generated keys and passwords, and the model endpoints a deployment must supply.
        foreach (var secret in new[] { "auth-signing-key", "distributor-secrets-key", "postgres-password", "redis-password" })
        {
            Assert.Equal("parameter.v0", Type(secret));
            Assert.True(resources.GetProperty(secret).GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(),
                secret);
        }

        Assert.Equal("{chatservice-audience.value}", Env("evaluationservice", "Evaluation__ChatAuth__Audience"));
        Assert.Equal("{distributorservice-audience.value}", Env("evaluationservice", "Evaluation__DistributorAuth__Audience"));
        Assert.Equal("{distributorservice-audience.value}", Env("chatservice", "Events__DistributorAuth__Audience"));
        Assert.Equal("evaluationservice", Env("chatservice", "Auth__AllowedActors__0"));
        foreach (var plain in new[] { "auth-issuer", "chatservice-audience", "evaluationservice-audience", "distributorservice-audience" })
        {
            Assert.Equal("parameter.v0", Type(plain));
        }

        // Open WebUI on ChatService's OpenAI-compatible API; its key is a secret the deployment supplies (a ChatService token).
        Assert.Equal("container.v0", Type("open-webui"));
        Assert.Equal("{chatservice.bindings.http.url}/v1", Env("open-webui", "OPENAI_API_BASE_URL"));
        Assert.Equal("{open-webui-api-key.value}", Env("open-webui", "OPENAI_API_KEY"));
        var apiKeyValue = resources.GetProperty("open-webui-api-key").GetProperty("inputs").GetProperty("value");
        Assert.True(apiKeyValue.GetProperty("secret").GetBoolean());
        Assert.Equal(8080,
            resources.GetProperty("open-webui").GetProperty("bindings").GetProperty("http").GetProperty("targetPort").GetInt32());

        foreach (var model in new[] { "chat-model", "embed-model" })
        {
            Assert.Equal("parameter.v0", Type(model));
            Assert.True(resources.GetProperty(model).GetProperty("inputs").GetProperty("value").GetProperty("secret").GetBoolean(), model);
        }
    }

    private static async Task PublishManifestAsync(string path, CancellationToken cancellationToken)
    {
        // ProjectPath is the AppHost's folder (a .csproj path in some Aspire versions).
        var projectDirectory = Projects.AppHost.ProjectPath.EndsWith(".csproj", StringComparison.Ordinal)
            ? Path.GetDirectoryName(Projects.AppHost.ProjectPath)!
            : Projects.AppHost.ProjectPath;
        // The test runs from tests/AppHost.Tests/bin/<configuration>/<tfm>/; the AppHost was built with the same ones.
        var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var appHostDll = Path.Combine(projectDirectory, "bin", testBin.Parent!.Name, testBin.Name, "AppHost.dll");
        Assert.True(File.Exists(appHostDll), $"{appHostDll} is missing: build the AppHost first.");

        var start = new ProcessStartInfo("dotnet")
        {
            // The content root (appsettings.json) is the project folder, as with `dotnet run --project AppHost`.
            WorkingDirectory = projectDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { appHostDll, "--publisher", "manifest", "--output-path", path })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("Dependencies__Mode");
        start.Environment.Remove("OLLAMA_URL");
        start.Environment.Remove("Ollama__Simulate");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.True(process.ExitCode == 0 && File.Exists(path),
            $"the manifest publisher exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
