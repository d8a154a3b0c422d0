using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace DurableJobs.Storage;

/// <summary>
/// Every statement the mechanism runs against table <c>jobs</c>. Each state change is one guarded SQL statement
/// (claim, settle, renew, reclaim), so two workers can never both hold a job: a claim only matches a
/// <c>queued</c> row, and every later write is fenced by lease owner and attempt. Runs on the scoped DbContext's
/// connection (opened only for the statement, joining the caller's transaction when there is one).
/// <para>
/// One class in several files, one file per concern: this file holds the plumbing (table name, commands, parameters,
/// reading rows); <c>JobStore.Enqueue.cs</c> the inserts, <c>JobStore.Claims.cs</c> the claims,
/// <c>JobStore.Outcomes.cs</c> success, finish and retry, <c>JobStore.Leases.cs</c> renewal and release,
/// <c>JobStore.Sweeps.cs</c> reclaiming expired leases and re-dispatch, <c>JobStore.Admin.cs</c> reads, cancel,
/// statistics and dead letters.
/// </para>
/// </summary>
internal sealed partial class JobStore
{
    private const string Columns =
        "id, queue, state, owner, payload, idempotency_key, attempt, max_attempts, timeout_ms, created_at, " +
        "started_at, finished_at, result, error_code, error_message, cancel_requested, trace_parent, next_attempt_at";

    private readonly DbContext _context;
    private readonly string _table;

    public JobStore(DbContext context)
    {
        _context = context;
        _table = QualifiedTableName(context);
    }

    public DbContext Context => _context;

    /// <summary>
    /// The first clause of every write that updates a list of jobs and waits for row locks (success batch, lease
    /// renewal, release): it locks the rows of <c>@ids</c> in id order before the update touches them. Without it a
    /// worker's success batch and its lease renewal, both holding some of the same jobs, took their row locks in
    /// different orders and deadlocked; PostgreSQL broke the cycle only after <c>deadlock_timeout</c> (1 s), which
    /// showed as one-second delivery latencies under load. Writes that skip locked rows need no order.
    /// </summary>
    private string LockedInIdOrder =>
        $"WITH locked AS MATERIALIZED (SELECT id FROM {_table} WHERE id = ANY(@ids) ORDER BY id FOR UPDATE)";

    private async Task<List<T>> QueryAsync<T>(string sql, Action<NpgsqlParameterCollection> bind, Func<NpgsqlDataReader, T> read,
        CancellationToken cancellationToken)
    {
        var database = _context.Database;
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = CreateCommand(sql, bind);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var rows = new List<T>();
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(read(reader));
            }

            return rows;
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }

    private async Task<int> ExecuteAsync(string sql, Action<NpgsqlParameterCollection> bind, CancellationToken cancellationToken)
    {
        var database = _context.Database;
        await database.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var command = CreateCommand(sql, bind);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            await database.CloseConnectionAsync();
        }
    }

    private NpgsqlCommand CreateCommand(string sql, Action<NpgsqlParameterCollection> bind)
    {
        var database = _context.Database;
        var connection = database.GetDbConnection() as NpgsqlConnection
            ?? throw new InvalidOperationException("DurableJobs needs the Npgsql provider (UseNpgsql) on the service's DbContext.");
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = database.CurrentTransaction?.GetDbTransaction() as NpgsqlTransaction;
        if (database.GetCommandTimeout() is { } timeout)
        {
            command.CommandTimeout = timeout;
        }

        bind(command.Parameters);
        return command;
    }

    private static JobSnapshot ReadSnapshot(NpgsqlDataReader r) => new(
        r.GetGuid(0),
        r.GetString(1),
        JobStateNames.Parse(r.GetString(2)),
        NullableString(r, 3),
        ParseJson(r.GetString(4)),
        r.GetInt32(6),
        r.GetInt32(7),
        r.GetFieldValue<DateTimeOffset>(9),
        r.IsDBNull(10) ? null : r.GetFieldValue<DateTimeOffset>(10),
        r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11),
        r.IsDBNull(12) ? null : ParseJson(r.GetString(12)),
        NullableString(r, 13),
        NullableString(r, 14),
        r.GetBoolean(15));

    internal static JsonElement ParseJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static string? NullableString(NpgsqlDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);

    private static string? Truncate(string? text) => text is { Length: > 4000 } ? text[..4000] : text;

    private static NpgsqlParameter Uuid(string name, Guid value) => new(name, NpgsqlDbType.Uuid) { Value = value };

    private static NpgsqlParameter UuidArray(string name, Guid[] value) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Uuid) { Value = value };

    private static NpgsqlParameter IntArray(string name, int[] value) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = value };

    private static NpgsqlParameter TextArray(string name, string[] value) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = value };

    private static NpgsqlParameter Text(string name, string? value) =>
        new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Jsonb(string name, string? value) =>
        new(name, NpgsqlDbType.Jsonb) { Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Int(string name, int value) => new(name, NpgsqlDbType.Integer) { Value = value };

    private static NpgsqlParameter Interval(string name, TimeSpan value) => new(name, NpgsqlDbType.Interval) { Value = value };

    internal static string QualifiedTableName(DbContext context)
    {
        var entity = context.Model.FindEntityType(typeof(JobRecord))
            ?? throw new InvalidOperationException(
                $"{context.GetType().Name} does not map the job table: call modelBuilder.ApplyDurableJobs() in OnModelCreating.");
        var table = entity.GetTableName() ?? JobColumns.Table;
        var schema = entity.GetSchema();
        return schema is null ? Quote(table) : $"{Quote(schema)}.{Quote(table)}";
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
