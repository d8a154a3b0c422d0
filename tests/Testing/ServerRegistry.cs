using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Testing;

/// <summary>
/// Makes sure no server outlives the test process: live servers are killed on ProcessExit, and servers
/// left behind by a test process that was itself killed (so ProcessExit never ran) are found through
/// their work directories and killed by the next test process that starts a server.
/// </summary>
internal static class ServerRegistry
{
    private const string ServerPidFile = "server.pid";

    private static readonly ConcurrentDictionary<ServerProcess, byte> Live = new();
    private static readonly Lazy<bool> Hooks = new(InstallHooks, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Per user, so test runs of different users neither collide nor lack permissions.</summary>
    public static string Root { get; } = Path.Combine(Path.GetTempPath(),
        string.Create(CultureInfo.InvariantCulture, $"aspire-testdeps-{ProcessTree.EffectiveUserId}"));

    public static string CreateWorkDirectory(string kind)
    {
        _ = Hooks.Value;
        Directory.CreateDirectory(Root);
        var self = Environment.ProcessId;
        var selfStart = ProcessTree.StartTime(self) ?? 0;
        var path = Path.Combine(Root, string.Create(CultureInfo.InvariantCulture,
            $"{kind}-{self}-{selfStart}-{Guid.NewGuid().ToString("N")[..8]}"));
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Track(ServerProcess server, int pid)
    {
        Live[server] = 0;
        var start = ProcessTree.StartTime(pid) ?? 0;
        File.WriteAllText(Path.Combine(server.WorkDirectory, ServerPidFile),
            string.Create(CultureInfo.InvariantCulture, $"{pid} {start}"));
    }

    public static void Untrack(ServerProcess server) => Live.TryRemove(server, out _);

    private static bool InstallHooks()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillLiveServers();
        SweepOrphans();
        return true;
    }

    private static void KillLiveServers()
    {
        foreach (var server in Live.Keys)
        {
            server.KillImmediately();
            DeleteDirectory(server.WorkDirectory);
        }
    }

    /// <summary>Kills servers whose owning test process is gone, and deletes their work directories.</summary>
    internal static void SweepOrphans()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(Root))
        {
            // Name: <kind>-<ownerPid>-<ownerStartTime>-<id>
            var parts = Path.GetFileName(dir).Split('-');
            if (parts.Length != 4
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ownerPid)
                || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ownerStart))
            {
                continue;
            }

            if (ProcessTree.IsAlive(ownerPid) && ProcessTree.StartTime(ownerPid) == ownerStart)
            {
                continue;
            }

            KillRecordedServer(Path.Combine(dir, ServerPidFile));
            DeleteDirectory(dir);
        }
    }

    private static void KillRecordedServer(string pidFile)
    {
        string[] parts;
        try
        {
            parts = File.ReadAllText(pidFile).Split(' ');
        }
        catch (IOException)
        {
            // No pid file: that server never got as far as starting.
            return;
        }

        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            && ProcessTree.IsAlive(pid)
            && ProcessTree.StartTime(pid) == start)
        {
            Console.Error.WriteLine($"[Testing] killing server {pid} left behind by a dead test process ({pidFile})");
            ProcessTree.KillTree(pid);
        }
    }

    /// <summary>Single attempt, for process exit where nothing can be awaited.</summary>
    public static void DeleteDirectory(string path)
    {
        if (!TryDeleteDirectory(path, out var error))
        {
            Console.Error.WriteLine($"[Testing] could not delete {path}: {error.Message}");
        }
    }

    public static async Task DeleteDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (TryDeleteDirectory(path, out var error))
            {
                return;
            }

            // A dying server may still be writing files for a moment.
            if (attempt >= 20)
            {
                Console.Error.WriteLine($"[Testing] could not delete {path}: {error.Message}");
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private static bool TryDeleteDirectory(string path, [NotNullWhen(false)] out Exception? error)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }

            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e;
            return false;
        }
    }
}
