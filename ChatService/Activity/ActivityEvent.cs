namespace ChatService.Activity;

/// <summary>One processing step of a user, as the activity stream sends it (<c>event: {Type}</c>).</summary>
public sealed record ActivityEvent(string Type, DateTimeOffset At, IReadOnlyDictionary<string, string?> Data);
