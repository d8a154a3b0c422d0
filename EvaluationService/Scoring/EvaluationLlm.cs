using Microsoft.Extensions.AI;

namespace EvaluationService.Scoring;

/// <summary>The optional model used as judge and for suite generation; <see cref="Client"/> is null when none is configured.</summary>
public sealed class EvaluationLlm(IChatClient? client, string? model, TimeSpan timeout, int maxOutputTokens)
{
    public IChatClient? Client { get; } = client;

    public string? Model { get; } = model;

    public TimeSpan Timeout { get; } = timeout;

    public int MaxOutputTokens { get; } = maxOutputTokens;

    public bool IsConfigured => Client is not null;
}
