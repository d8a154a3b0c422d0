using System.ComponentModel.DataAnnotations;
using System.Text.Json;

namespace DistributorService.Apis;

/// <summary>Body of <c>POST /api/events</c>; the idempotency key may instead come in the <c>Idempotency-Key</c> header.</summary>
public sealed record EventRequest([MaxLength(200)] string? Type, JsonElement? Payload, [MaxLength(200)] string? IdempotencyKey);
