using System.Text.Json;
using Microsoft.Extensions.Options;

namespace DurableJobs.Events;

/// <summary>
/// The transactional outbox of a service's events: <see cref="Stage"/> adds an events job to the DbContext's change tracker,
/// so the event commits in the same <c>SaveChanges</c> (or transaction) as the state change it reports, and nothing is
/// staged when that rolls back. The job (<see cref="EventPublishingHandler"/>) then posts it to DistributorService with
/// the queue's retries, backoff, dead letters and <c>/admin/queues</c> visibility. Scoped, like <see cref="IJobScheduler"/>.
/// </summary>
public sealed class EventPublisher(IJobScheduler jobs, IOptions<EventPublishingOptions> options)
{
    /// <summary>True when events are posted (a distributor is configured); otherwise <see cref="Stage"/> does nothing.</summary>
    public bool Enabled => options.Value.Enabled == true;

    /// <summary>
    /// Stages <paramref name="type"/> with <paramref name="payload"/> (serialized with web defaults) for the caller's next
    /// <c>SaveChanges</c>. Returns false when publishing is off. The job itself has no idempotency key (a unique violation
    /// must never fail the caller's state change); the distributor de-duplicates on <paramref name="idempotencyKey"/>.
    /// </summary>
    public bool Stage(string type, object payload, string idempotencyKey, string? owner = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        if (!Enabled)
        {
            return false;
        }

        var body = new OutboundEvent(type, JsonSerializer.SerializeToElement(payload, JsonSerializerOptions.Web), idempotencyKey);
        jobs.Stage(body, new EnqueueOptions(Owner: owner));
        return true;
    }
}
