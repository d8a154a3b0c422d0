using System.Diagnostics;
using System.Globalization;

namespace Testing;

/// <summary>
/// A real Chroma 1.0 server: the Rust server embedded in the pinned <c>chromadb</c> npm package
/// (eng/chroma/node_modules, installed by eng/install-deps.sh), run as
/// <c>node …/chromadb/dist/cli.mjs run --path DATA --host 127.0.0.1 --port N</c>.
/// Ready when <c>GET /api/v2/heartbeat</c> answers 200. Data persists in the data folder across restarts.
/// </summary>
public sealed class ChromaServer : ServerProcess
{
    // One client for all readiness probes; it has no mutable state of ours.
    private static readonly HttpClient ProbeClient = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionLifetime = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public ChromaServer()
        : base("chroma", TimeSpan.FromSeconds(60))
    {
    }

    /// <summary>chromadb's dist/cli.mjs; default eng/chroma/node_modules/chromadb/dist/cli.mjs of the repository (found by walking up to
    /// Aspire.sln).</summary>
    public string? CliPath { get; init; }

    /// <summary><c>http://127.0.0.1:N</c>, without a trailing slash (as in <c>services__chroma__http__0</c>).</summary>
    public string Endpoint => string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{Port}");

    /// <summary><see cref="Endpoint"/> as a Uri, e.g. for <c>HttpClient.BaseAddress</c>.</summary>
    public Uri BaseAddress => new(Endpoint);

    private protected override ProcessStartInfo CreateStartInfo()
    {
        var cli = DependencyBinaries.ChromaCli(CliPath);
        Directory.CreateDirectory(DataDirectory);
        var startInfo = new ProcessStartInfo(DependencyBinaries.Node());
        string[] arguments =
        [
            cli, "run",
            "--path", DataDirectory,
            "--host", "127.0.0.1",
            "--port", Port.ToString(CultureInfo.InvariantCulture),
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // No colour codes in the captured log.
        startInfo.Environment["NO_COLOR"] = "1";
        return startInfo;
    }

    private protected override async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        using var response = await ProbeClient.GetAsync(new Uri(BaseAddress, "/api/v2/heartbeat"), cancellationToken);
        return response.IsSuccessStatusCode;
    }
}
