namespace WebhookSink;

/// <summary>Standalone mode: <c>dotnet run --project tests/WebhookSink -- --urls http://127.0.0.1:9099</c>.</summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        await using var app = SinkApp.Build(args, options: null, onFreeLoopbackPort: false);
        await app.RunAsync();
    }
}
