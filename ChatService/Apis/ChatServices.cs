using ChatService.Llm;
using ChatService.Rag;
using Microsoft.Extensions.Options;

namespace ChatService.Apis;

/// <summary>What the chat handlers need, bundled for <c>[AsParameters]</c>.</summary>
public sealed record ChatServices(
    ChatTurnRunner Runner,
    GenerationGate Gate,
    ChatMetrics Metrics,
    IOptions<LlmOptions> Llm,
    IOptions<ChatLimitsOptions> Limits,
    IHostApplicationLifetime Lifetime);
