using EvaluationService.Options;
using Microsoft.Extensions.Options;
using Npgsql;

namespace EvaluationService.Runs;

/// <summary>
/// Caps the runs executing at once across every replica with <see cref="EvaluationOptions.MaxConcurrentRuns"/>
/// advisory-lock slots. A run that finds no free slot stays <c>queued</c> and tries again.
/// </summary>
public sealed class RunSlots([FromKeyedServices("evaldb")] NpgsqlDataSource dataSource, IOptions<EvaluationOptions> options)
{
    // why: a fixed, service-specific key space ("EVALRUN" + slot) so no other lock user in this database collides.
    private const long KeyBase = 0x4556_414C_5255_0000;

    public async Task<RunSlot?> TryAcquireAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            for (var slot = 0; slot < options.Value.MaxConcurrentRuns; slot++)
            {
                var key = KeyBase + slot;
                await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock($1)", connection)
                {
                    Parameters = { new() { Value = key } },
                };
                if (await command.ExecuteScalarAsync(cancellationToken) is true)
                {
                    return new RunSlot(connection, key, slot);
                }
            }
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }
}
