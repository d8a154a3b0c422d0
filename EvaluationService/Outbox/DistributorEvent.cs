using System.Text.Json;

namespace EvaluationService.Outbox;

/// <summary>Body of DistributorService <c>POST /api/events</c>.</summary>
public sealed record DistributorEvent(string Type, JsonElement Payload, string IdempotencyKey);
