using System.Text.Json;

namespace ChatService.Apis.Contracts;

/// <summary>A chat task; <c>status</c>: queued | running | succeeded | failed | cancelled | timed_out.</summary>
public sealed record ChatTaskView(Guid Id, string Status, JsonElement? Result, ChatTaskError? Error, DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt);
