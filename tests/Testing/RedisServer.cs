using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Testing;

/// <summary>
/// A real Redis server (redis-server from PATH or /usr/bin) on 127.0.0.1, no password. By default it keeps
/// nothing on disk (<c>--save "" --appendonly no</c>), so a restart starts empty; with
/// <c>Persistent = true</c> it writes an append-only file and data survives restarts.
/// </summary>
public sealed class RedisServer : ServerProcess
{
    public RedisServer()
        : base("redis", TimeSpan.FromSeconds(30))
    {
    }

    /// <summary>Append-only file with fsync every second, so data survives a restart. Default false.</summary>
    public bool Persistent { get; init; }

    /// <summary>redis-server to run; default from PATH or /usr/bin/redis-server.</summary>
    public string? ExecutablePath { get; init; }

    /// <summary>StackExchange.Redis configuration string: <c>127.0.0.1:N</c>.</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{Port}");

    private protected override ProcessStartInfo CreateStartInfo()
    {
        Directory.CreateDirectory(DataDirectory);
        var startInfo = new ProcessStartInfo(DependencyBinaries.RedisServer(ExecutablePath));
        string[] arguments =
        [
            "--port", Port.ToString(CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--dir", DataDirectory,
            "--daemonize", "no",
            "--logfile", "",
            "--save", "",
            "--appendonly", Persistent ? "yes" : "no",
            "--appendfsync", "everysec",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    private protected override async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        // "-LOADING ..." while an append-only file is being loaded.
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }
}
