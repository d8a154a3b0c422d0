namespace OllamaSimulator;

public sealed record ReceivedMessage(string Role, string Content);
