namespace WebhookSink;

/// <summary>Body of <c>POST /_sink/behavior</c>: a null path sets the behaviour of every path without its own.</summary>
public sealed record SinkBehaviorUpdate(string? Path, SinkBehavior Behavior);
