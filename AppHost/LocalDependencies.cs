using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

namespace AppHost;

/// <summary>
/// Local mode: PostgreSQL 15, Redis and Chroma as executable resources from the binaries eng/install-deps.sh installs,
/// on 127.0.0.1 only, data under <c>Dependencies:DataDirectory</c> (default <c>.local/apphost/</c>, git-ignored).
/// Ports come from <c>Dependencies:Local:PostgresPort|RedisPort|ChromaPort</c>, or are free ports chosen at start.
/// Each has a readiness health check, so <c>WaitFor</c> waits until it answers (PostgreSQL: until chatdb, evaldb
/// and distdb exist, created by that check). DCP stops them with SIGTERM: PostgreSQL does a fast shutdown
/// (Local/postgres.sh), Redis saves and exits, Chroma exits.
/// </summary>
internal static class LocalDependencies
{
    private static readonly TimeSpan CheckBudget = TimeSpan.FromSeconds(3);

    public static Dependencies Add(IDistributedApplicationBuilder builder)
    {
        var repoRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var dataRoot = Path.GetFullPath(builder.Configuration["Dependencies:DataDirectory"] is { Length: > 0 } configured
            ? configured
            : Path.Combine(repoRoot, ".local", "apphost"));
        var ports = builder.Configuration.GetSection("Dependencies:Local");

        // PostgreSQL ---------------------------------------------------------------------------------------------
        var pgPort = PortOrFree(ports, "PostgresPort");
        var pgDir = Directory.CreateDirectory(Path.Combine(dataRoot, "postgres")).FullName;
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("postgres-databases",
            _ => new PostgresDatabasesCheck(pgPort, Dependencies.DatabaseNames), HealthStatus.Unhealthy, tags: null,
            timeout: CheckBudget));
        var postgres = builder.AddExecutable("postgres", Path.Combine(builder.AppHostDirectory, "Local", "postgres.sh"),
                pgDir, pgDir, pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithEndpoint(port: pgPort, targetPort: pgPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck("postgres-databases");
        var pgEndpoint = postgres.GetEndpoint("tcp");
        var pgEndpointPort = pgEndpoint.Property(EndpointProperty.Port);
        IResourceBuilder<IResourceWithConnectionString> Database(string name) =>
            builder.AddConnectionString(name,
                ReferenceExpression.Create($"Host=127.0.0.1;Port={pgEndpointPort};Username=postgres;Database={name}"));

        // Redis --------------------------------------------------------------------------------------------------
        var redisPort = PortOrFree(ports, "RedisPort");
        var redisDir = Directory.CreateDirectory(Path.Combine(dataRoot, "redis")).FullName;
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration("redis-ping",
            _ => new RedisPingCheck(redisPort), HealthStatus.Unhealthy, tags: null, timeout: CheckBudget));
        var redisServer = builder.AddExecutable("redis-server", FindOnPath("redis-server"), redisDir,
                "--port", Invariant(redisPort), "--bind", "127.0.0.1", "--dir", redisDir, "--daemonize", "no",
                "--save", "60 1", "--appendonly", "yes", "--appendfsync", "everysec")
            .WithEndpoint(port: redisPort, targetPort: redisPort, scheme: "tcp", name: "tcp", isProxied: false)
            .WithHealthCheck("redis-ping");
        var redisEndpoint = redisServer.GetEndpoint("tcp");
        var redis = builder.AddConnectionString("redis",
            ReferenceExpression.Create($"127.0.0.1:{redisEndpoint.Property(EndpointProperty.Port)}"));

        // Chroma -------------------------------------------------------------------------------------------------
        var chromaPort = PortOrFree(ports, "ChromaPort");
        var chromaDir = Directory.CreateDirectory(Path.Combine(dataRoot, "chroma")).FullName;
        var chromaCli = Path.Combine(repoRoot, "eng", "chroma", "node_modules", "chromadb", "dist", "cli.mjs");
        if (!File.Exists(chromaCli))
        {
            throw new InvalidOperationException($"Chroma is not installed ({chromaCli} is missing): run eng/install-deps.sh.");
        }

        var chroma = builder.AddExecutable("chroma", FindOnPath("node"), chromaDir,
                chromaCli, "run", "--path", chromaDir, "--host", "127.0.0.1", "--port", Invariant(chromaPort))
            .WithEnvironment("NO_COLOR", "1")
            .WithHttpEndpoint(port: chromaPort, targetPort: chromaPort, name: "http", isProxied: false)
            .WithHttpHealthCheck("/api/v2/heartbeat", endpointName: "http");

        return new Dependencies(
            Database("chatdb"), Database("evaldb"), Database("distdb"), postgres, postgres, postgres,
            redis, redisServer, chroma.GetEndpoint("http"), chroma);
    }

    private static int PortOrFree(IConfiguration ports, string key)
    {
        var configured = ports.GetValue<int?>(key) ?? 0;
        if (configured is < 0 or > 65535)
        {
            throw new InvalidOperationException($"Dependencies:Local:{key} must be a TCP port (0 = a free one), not {configured}.");
        }

        if (configured != 0)
        {
            return configured;
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Invariant(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException($"'{program}' was not found on PATH: run eng/install-deps.sh.");
    }

    /// <summary>Healthy once PostgreSQL answers and the service databases exist; creates the missing ones.</summary>
    private sealed class PostgresDatabasesCheck(int port, IReadOnlyList<string> databases) : IHealthCheck
    {
        private readonly string _connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            Timeout = 2,
            CommandTimeout = 2,
            Pooling = false,
        }.ConnectionString;

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_connectionString);
                await connection.OpenAsync(cancellationToken);
                foreach (var database in databases)
                {
                    await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
                    exists.Parameters.Add(new NpgsqlParameter { Value = database });
                    if (await exists.ExecuteScalarAsync(cancellationToken) is null)
                    {
                        // The names are constants of this program ([a-z]+), safe to quote into the statement.
                        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database}\"", connection);
                        try
                        {
                            await create.ExecuteNonQueryAsync(cancellationToken);
                        }
                        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateDatabase)
                        {
                            // created concurrently: fine
                        }
                    }
                }

                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"PostgreSQL on 127.0.0.1:{port} is not ready: {ex.Message}");
            }
        }
    }

    /// <summary>Healthy when Redis answers PING with PONG (RESP over plain TCP).</summary>
    private sealed class RedisPingCheck(int port) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
                var buffer = new byte[64];
                var read = await stream.ReadAsync(buffer, cancellationToken);
                var answer = Encoding.ASCII.GetString(buffer, 0, read);
                return answer.StartsWith("+PONG", StringComparison.Ordinal)
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"Redis on 127.0.0.1:{port} answered PING with '{answer.Trim()}' (loading?)");
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
            {
                return HealthCheckResult.Unhealthy($"Redis on 127.0.0.1:{port} is not ready: {ex.Message}");
            }
        }
    }
}
