using OllamaSimulator;

namespace ChatService.Tests.Infrastructure;

/// <summary>One Ollama simulator for the tests that do not inject faults.</summary>
public sealed class SharedSimulator : IAsyncLifetime
{
    public OllamaSimulatorServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await OllamaSimulatorServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
