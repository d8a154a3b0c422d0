using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Testing;

/// <summary>
/// A real PostgreSQL 15 server (initdb + postgres from /usr/lib/postgresql/15/bin, or POSTGRES_BIN_DIR)
/// on 127.0.0.1, trust authentication, superuser <c>postgres</c>, no password. Run as the <c>postgres</c>
/// OS user when the tests run as root (PostgreSQL refuses root). fsync is off: a commit reaches the OS
/// before it is acknowledged, so committed data survives a killed server (not a machine crash).
/// Tests isolate by database: <see cref="CreateDatabaseAsync"/>.
/// </summary>
public sealed class PostgresServer : ServerProcess
{
    private const string OsUser = "postgres";
    private int _databaseCounter;

    public PostgresServer()
        : base("postgres", TimeSpan.FromSeconds(30))
    {
    }

    /// <summary>Folder with postgres and initdb; default POSTGRES_BIN_DIR or /usr/lib/postgresql/15/bin.</summary>
    public string? BinDirectory { get; init; }

    /// <summary>Server-level connection string: <c>Host=127.0.0.1;Port=N;Username=postgres</c> (database "postgres").</summary>
    public string ConnectionString => string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username=postgres");

    /// <summary>Connection string for <paramref name="database"/> on this server.</summary>
    public string ConnectionStringFor(string database) => $"{ConnectionString};Database={database}";

    private string SocketDirectory => Path.Combine(WorkDirectory, "sock");

    /// <summary>
    /// Creates a fresh database named <c>{prefix}_{n}_{random}</c> (prefix lowered, reduced to [a-z0-9_])
    /// and returns its connection string.
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string namePrefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(namePrefix);
        var name = UniqueDatabaseName(namePrefix);
        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return ConnectionStringFor(name);
    }

    private protected override int GracefulStopSignal => ProcessTree.SigInt; // "fast" shutdown: ends open sessions

    private protected override async Task PrepareAsync(CancellationToken cancellationToken)
    {
        var bin = DependencyBinaries.PostgresBinDirectory(BinDirectory);
        if (File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            return;
        }

        Directory.CreateDirectory(SocketDirectory);
        if (ProcessTree.IsRoot)
        {
            await RunCommandAsync(Command("chown", "-R", $"{OsUser}:{OsUser}", WorkDirectory), cancellationToken);
        }

        await RunCommandAsync(AsServerUser(Path.Combine(bin, "initdb"),
            "-D", DataDirectory,
            "-U", "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions"), cancellationToken);
    }

    private protected override ProcessStartInfo CreateStartInfo()
    {
        var bin = DependencyBinaries.PostgresBinDirectory(BinDirectory);
        return AsServerUser(Path.Combine(bin, "postgres"),
            "-D", DataDirectory,
            "-p", Port.ToString(CultureInfo.InvariantCulture),
            "-k", SocketDirectory,
            "-c", "listen_addresses=127.0.0.1",
            "-c", "max_connections=200",
            "-c", "shared_buffers=64MB",
            "-c", "fsync=off",
            "-c", "full_page_writes=off",
            "-c", "logging_collector=off",
            "-c", "log_min_messages=warning",
            "-c", "log_min_error_statement=panic");
    }

    private protected override async Task<bool> ProbeAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync(cancellationToken) is 1;
    }

    private string AdminConnectionString() =>
        $"{ConnectionString};Database=postgres;Pooling=false;Timeout=5;Command Timeout=15";

    private string UniqueDatabaseName(string prefix)
    {
        var cleaned = new StringBuilder();
        foreach (var c in prefix.ToLowerInvariant())
        {
            cleaned.Append(c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' ? c : '_');
        }

        var head = cleaned.Length == 0 ? "db" : cleaned.ToString(0, Math.Min(cleaned.Length, 40));
        var counter = Interlocked.Increment(ref _databaseCounter);
        return string.Create(CultureInfo.InvariantCulture, $"{head}_{counter}_{Guid.NewGuid().ToString("N")[..8]}");
    }

    private ProcessStartInfo AsServerUser(string executable, params string[] arguments)
    {
        if (!ProcessTree.IsRoot)
        {
            return Command(executable, arguments);
        }

        // setpriv execs in place (unlike su/runuser), so the process we start IS the postmaster:
        // signals for stop, pause and kill reach it directly.
        return Command(DependencyBinaries.Setpriv(),
            ["--reuid=" + OsUser, "--regid=" + OsUser, "--init-groups", "--", executable, .. arguments]);
    }

    private ProcessStartInfo Command(string executable, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(executable) { WorkingDirectory = WorkDirectory };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        // Keep the server's messages in English and independent of the caller's locale.
        startInfo.Environment["LC_MESSAGES"] = "C";
        startInfo.Environment["LANG"] = "C.UTF-8";
        return startInfo;
    }
}
