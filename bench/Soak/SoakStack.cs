using System.Diagnostics;
using System.Globalization;
using OllamaSimulator;
using Testing;

namespace Soak;

/// <summary>
/// PostgreSQL, Redis and Chroma (tests/Testing), the Ollama simulator (in-process) and ChatService as a process
/// (<c>dotnet ChatService.dll</c>) with the AppHost's variables and <c>Database__MaxPoolSize=5</c>.
/// </summary>
public sealed class SoakStack : IAsyncDisposable
{
    private readonly PostgresServer _postgres = new();
    private readonly RedisServer _redis = new();
    private readonly ChromaServer _chroma = new();
    private OllamaSimulatorServer? _simulator;
    private Process? _chat;

    public string ChatUrl { get; private set; } = "";

    public int? ChatPid => _chat?.Id;

    public static async Task<SoakStack> StartAsync(string signingKey, CancellationToken cancellationToken)
    {
        var stack = new SoakStack();
        try
        {
            await stack.StartCoreAsync(signingKey, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartCoreAsync(string signingKey, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_postgres.StartAsync(cancellationToken), _redis.StartAsync(cancellationToken), _chroma.StartAsync(cancellationToken));
        _simulator = await OllamaSimulatorServer.StartAsync(cancellationToken: cancellationToken);
        var db = await _postgres.CreateDatabaseAsync("soak_chat", cancellationToken);
        var port = FreePort.Next();
        ChatUrl = string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}");
        var ollama = _simulator.BaseAddress.ToString().TrimEnd('/');
        var dll = LocateChatService();
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Path.GetDirectoryName(dll)! };
        info.ArgumentList.Add(dll);
        info.ArgumentList.Add("--urls");
        info.ArgumentList.Add(ChatUrl);
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ConnectionStrings__chatdb"] = db;
        info.Environment["ConnectionStrings__redis"] = _redis.ConnectionString;
        info.Environment["ConnectionStrings__chat-model"] = $"Endpoint={ollama};Model=llama3.2:1b";
        info.Environment["ConnectionStrings__embed-model"] = $"Endpoint={ollama};Model=nomic-embed-text";
        info.Environment["services__chroma__http__0"] = _chroma.Endpoint;
        info.Environment["Auth__SigningKey"] = signingKey;
        info.Environment["Database__MaxPoolSize"] = "5";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        _chat = Process.Start(info)!;
        _chat.OutputDataReceived += (_, _) => { };
        _chat.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine("[chat] " + e.Data); } };
        _chat.BeginOutputReadLine();
        _chat.BeginErrorReadLine();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillChat();

        using var probe = new HttpClient { BaseAddress = new Uri(ChatUrl + "/"), Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.UntilAsync(async token =>
        {
            if (_chat.HasExited)
            {
                throw new InvalidOperationException($"ChatService exited with {_chat.ExitCode}");
            }

            using var response = await probe.GetAsync("health/ready", token);
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(120), "ChatService should become ready", cancellationToken);
        Console.WriteLine($"ChatService {ChatUrl} (pid {_chat.Id}), Database__MaxPoolSize=5, simulator {ollama}");
    }

    public async ValueTask DisposeAsync()
    {
        KillChat();
        if (_chat is not null)
        {
            await _chat.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            _chat.Dispose();
        }

        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }

        await Task.WhenAll(_postgres.DisposeAsync().AsTask(), _redis.DisposeAsync().AsTask(), _chroma.DisposeAsync().AsTask());
    }

    private void KillChat()
    {
        try
        {
            if (_chat is { HasExited: false })
            {
                _chat.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited meanwhile.
        }
    }

    private static string LocateChatService()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var dll = Path.Combine(dir.FullName, "ChatService", "bin", configuration, "net10.0", "ChatService.dll");
            if (File.Exists(dll))
            {
                return dll;
            }
        }

        throw new FileNotFoundException("ChatService.dll not found: build bench/Soak (it builds ChatService).");
    }
}
