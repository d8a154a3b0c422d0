using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using ServiceDefaults.Resilience;

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
    [Required, ValidateObjectMembers]
    public BreakerOptions Breaker { get; set; } = new() { SamplingDuration = TimeSpan.FromSeconds(60),
        BreakDuration = TimeSpan.FromSeconds(30) };

    /// <summary>Timeout for the short chunk look-ups of suite generation.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan DocumentTimeout { get; set; } = TimeSpan.FromSeconds(15);
}
