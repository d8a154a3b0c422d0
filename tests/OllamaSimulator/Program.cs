namespace OllamaSimulator;

/// <summary>Standalone mode: <c>dotnet run --project tests/OllamaSimulator -- --urls http://127.0.0.1:11434</c>.</summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        await using var app = SimulatorApp.Build(args, options: null, onFreeLoopbackPort: false);
        await app.RunAsync();
    }
}
