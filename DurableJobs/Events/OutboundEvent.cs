using System.Text.Json;

namespace DurableJobs.Events;

/// <summary>
/// One event for DistributorService: the payload of an events job and the body of <c>POST /api/events</c>.
/// <see cref="IdempotencyKey"/> is stable for the fact it reports (e.g. <c>document.ready:{id}</c>), so a repeated send is
/// recognised by the distributor.
/// </summary>
public sealed record OutboundEvent(string Type, JsonElement Payload, string IdempotencyKey);
