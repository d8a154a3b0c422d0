namespace Testing;

/// <summary>Where the server binaries are; a missing one is reported with the way to install it.</summary>
internal static class DependencyBinaries
{
    public const string InstallHint =
        "Run `bash eng/install-deps.sh` from the repository root to install the test dependencies (redis-server, PostgreSQL 15, Chroma).";

    public static string RedisServer(string? explicitPath) =>
        explicitPath is not null
            ? RequireFile(explicitPath, "redis-server")
            : FindOnPath("redis-server") ?? RequireFile("/usr/bin/redis-server", "redis-server");

    public static string PostgresBinDirectory(string? explicitDirectory)
    {
        var directory = explicitDirectory
            ?? Environment.GetEnvironmentVariable("POSTGRES_BIN_DIR")
            ?? "/usr/lib/postgresql/15/bin";
        RequireFile(Path.Combine(directory, "postgres"), "PostgreSQL 15 server (postgres)");
        RequireFile(Path.Combine(directory, "initdb"), "PostgreSQL 15 initdb");
        return directory;
    }

    public static string Node() => FindOnPath("node") ?? RequireFile("/usr/bin/node", "node (Node.js, for the Chroma server)");

    public static string ChromaCli(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return RequireFile(explicitPath, "Chroma CLI");
        }

        var modules = Path.Combine(RepositoryRoot(), "eng", "chroma", "node_modules");
        RequireFile(
            Path.Combine(modules, "chromadb-js-bindings-linux-x64-gnu", "chromadb-js-bindings.linux-x64-gnu.node"),
            "Chroma server bindings (chromadb-js-bindings-linux-x64-gnu)");
        return RequireFile(Path.Combine(modules, "chromadb", "dist", "cli.mjs"), "Chroma CLI (chromadb)");
    }

    public static string Setpriv() => FindOnPath("setpriv") ?? RequireFile("/usr/bin/setpriv", "setpriv (util-linux)");

    /// <summary>The folder holding Aspire.sln, found by walking up from the test assembly (or the current directory).</summary>
    public static string RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Aspire.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find the repository root (the folder with Aspire.sln) above {AppContext.BaseDirectory}.");
    }

    private static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
    }

    private static string RequireFile(string path, string what) =>
        File.Exists(path)
            ? path
            : throw new InvalidOperationException($"{what} not found at {path}. {InstallHint}");
}
