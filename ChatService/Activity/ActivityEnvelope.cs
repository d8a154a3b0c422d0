namespace ChatService.Activity;

/// <summary>What travels over Redis pub/sub: the event and the user it belongs to.</summary>
internal sealed record ActivityEnvelope(string Owner, ActivityEvent Event);
