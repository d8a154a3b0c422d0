using Npgsql;

namespace EvaluationService.Runs;

/// <summary>
/// A held PostgreSQL session-level advisory lock: one of the run slots shared by all replicas. The lock lives as long
/// as the session, so a crashed replica releases it with its connection.
/// </summary>
public sealed class RunSlot(NpgsqlConnection connection, long key, int index) : IAsyncDisposable
{
    public int Index { get; } = index;

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", connection)
            {
                Parameters = { new() { Value = key } },
            };
            await unlock.ExecuteScalarAsync(timeout.Token);
        }
        finally
        {
            // why: if the unlock failed the pool's DISCARD ALL on return (or the broken session closing) still releases the lock.
            await connection.DisposeAsync();
        }
    }
}
