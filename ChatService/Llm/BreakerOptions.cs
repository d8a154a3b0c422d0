using System.ComponentModel.DataAnnotations;

namespace ChatService.Llm;

/// <summary>Settings of one named circuit breaker (<c>ollama</c>, <c>embeddings</c>, <c>chroma</c>).</summary>
public sealed class BreakerOptions
{
    [Range(0.01, 1.0)]
    public double FailureRatio { get; set; } = 0.5;

    [Range(2, 1000)]
    public int MinimumThroughput { get; set; } = 4;

    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}
