using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ChatService.Rag;

/// <summary>
/// Shows the generation slots in <c>/health/detailed</c> (not a readiness check: a replica whose slots are all held by
/// slow generations is still fine and sheds the excess with 429). Degraded while every slot is held.
/// </summary>
public sealed class GenerationSlotsHealthCheck(GenerationGate gate) : IHealthCheck
{
    public const string Name = "generation-slots";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var now = gate.Snapshot();
        var data = new Dictionary<string, object>
        {
            ["inUse"] = now.InUse,
            ["limit"] = now.Limit,
            ["queued"] = now.Queued,
            ["oldestSeconds"] = Math.Round(now.OldestAge.TotalSeconds, 1),
        };
        var description = $"{now.InUse} of {now.Limit} generation slots in use; oldest generation {now.OldestAge.TotalSeconds:0} s";
        return Task.FromResult(now.Saturated
            ? HealthCheckResult.Degraded(description, data: data)
            : HealthCheckResult.Healthy(description, data));
    }
}
