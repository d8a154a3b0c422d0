using System.Text.Json;

namespace DistributorService.Apis;

public sealed record EventView(Guid Id, string Type, JsonElement Payload, string? IdempotencyKey, string Publisher,
    DateTimeOffset AcceptedAt, IReadOnlyList<DistributionView> Distributions);
