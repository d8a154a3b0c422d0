using System.ComponentModel.DataAnnotations;

namespace EvaluationService.Options;

/// <summary>How evaluation cases reach ChatService (section <c>Evaluation:ChatService</c>).</summary>
public sealed class ChatServiceOptions
{
    public const string Section = "Evaluation:ChatService";

    /// <summary>Resolved by service discovery (<c>services__chatservice__http__0</c>).</summary>
    [Required]
    public Uri BaseAddress { get; set; } = new("http://chatservice");

    /// <summary>Passed as <c>topK</c> when set.</summary>
    [Range(1, 100)]
    public int? TopK { get; set; }

    /// <summary>Circuit breaker <c>chatservice</c>: failure ratio over the sampling window, minimum calls, break time.</summary>
    [Range(0.01, 1.0)]
    public double BreakerFailureRatio { get; set; } = 0.5;

    [Range(2, 1_000)]
    public int BreakerMinimumThroughput { get; set; } = 4;

    [Range(1, 3_600)]
    public int BreakerSamplingSeconds { get; set; } = 60;

    [Range(1, 3_600)]
    public int BreakerBreakSeconds { get; set; } = 30;

    /// <summary>Timeout for the short chunk look-ups of suite generation.</summary>
    [Range(1, 300)]
    public int DocumentTimeoutSeconds { get; set; } = 15;
}
