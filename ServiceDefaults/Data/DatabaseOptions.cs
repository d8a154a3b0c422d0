using System.ComponentModel.DataAnnotations;

namespace ServiceDefaults.Data;

/// <summary>PostgreSQL budgets (section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Npgsql <c>Command Timeout</c>: no statement runs longer (whole seconds, rounded up).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Npgsql <c>Timeout</c>: how long opening a connection may wait, including waiting for a pooled one (whole seconds,
    /// rounded up).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan PoolWait { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Npgsql <c>Maximum Pool Size</c>.</summary>
    [Range(1, 500)]
    public int MaxPoolSize { get; set; } = 20;

    /// <summary>EF DbContext pool size (contexts kept for reuse, not connections).</summary>
    [Range(1, 1024)]
    public int DbContextPoolSize { get; set; } = 128;

    /// <summary>
    /// Npgsql <c>Max Auto Prepare</c>: how many of the most used statements each connection keeps prepared on the
    /// server, so PostgreSQL parses and plans them once per connection instead of on every execution (0 turns it off).
    /// </summary>
    [Range(0, 1000)]
    public int MaxAutoPrepare { get; set; } = 64;

    /// <summary>Npgsql <c>Auto Prepare Min Usages</c>: executions of a statement on a connection before it is prepared.</summary>
    [Range(1, 100)]
    public int AutoPrepareMinUsages { get; set; } = 2;

    /// <summary>
    /// Whether a connection's session state is reset when it goes back to the pool (Npgsql sends <c>RESET ALL</c>,
    /// <c>SET SESSION AUTHORIZATION DEFAULT</c>, <c>pg_advisory_unlock_all()</c> and four more statements with the
    /// next command). Only a service that never leaves session state behind (no <c>SET</c>, no session advisory
    /// locks, no temporary tables, no <c>LISTEN</c>) may turn it off: the distributor and ChatService do, because EF
    /// opens a connection per statement (the reset came about 3 times per delivered event and 4 times per chat turn).
    /// </summary>
    public bool ResetOnClose { get; set; } = true;

    /// <summary>Apply committed EF migrations at start-up.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>How long start-up keeps trying to migrate while the database is not reachable yet.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan MigrationTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>A duration in Npgsql's unit (whole seconds), rounded up so a budget is never shortened.</summary>
    public static int WholeSeconds(TimeSpan duration) => (int)Math.Ceiling(duration.TotalSeconds);
}
