namespace OllamaSimulator;

/// <summary>Body of <c>POST /_sim/faults</c> and answer of <c>GET /_sim/faults</c>.</summary>
public sealed record FaultsDocument(FaultSettings? Chat = null, FaultSettings? Embed = null, FaultSettings? All = null);
