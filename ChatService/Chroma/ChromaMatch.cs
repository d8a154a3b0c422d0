namespace ChatService.Chroma;

/// <summary>A query hit, nearest first.</summary>
public sealed record ChromaMatch(string Id, double Distance);
