using Microsoft.EntityFrameworkCore;

namespace DurableJobs.Retention;

/// <summary>
/// A family of rows that expire: its name (metric tag <c>retention.family</c>, key under <c>Jobs:Retention:Families</c>), how
/// long rows are kept by default, and the statement that deletes one batch. The statement gets <c>@cutoff</c> (timestamptz: rows
/// older than this go) and <c>@batch</c> (int) and must delete at most <c>@batch</c> rows, e.g.
/// <c>DELETE FROM t WHERE ctid = ANY(ARRAY(SELECT ctid FROM t WHERE created_at &lt; @cutoff LIMIT @batch FOR UPDATE SKIP LOCKED))</c>;
/// it is built from the service's DbContext so it can use the model's table names.
/// </summary>
public sealed record RetentionFamily(string Name, TimeSpan DefaultAfter, Func<DbContext, string> Sql)
{
    /// <summary>
    /// The usual batch: rows of <paramref name="table"/> matching <paramref name="where"/> (which may use <c>@cutoff</c>), at most
    /// <c>@batch</c> by physical row id, skipping rows another transaction holds.
    /// </summary>
    public static string DeleteBatch(string table, string where) =>
        $"DELETE FROM {table} WHERE ctid = ANY(ARRAY(SELECT ctid FROM {table} WHERE {where} LIMIT @batch FOR UPDATE SKIP LOCKED))";
}
