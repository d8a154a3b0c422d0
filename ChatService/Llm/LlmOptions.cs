using System.ComponentModel.DataAnnotations;
using ServiceDefaults.Resilience;

namespace ChatService.Llm;

/// <summary>Budgets of one generation (section <c>Llm</c>). Every bound is also clamped to the request's remaining budget.</summary>
public sealed class LlmOptions
{
    public const string Section = "Llm";

    /// <summary>TCP connect to Ollama.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>From sending the request to the first token (covers model load).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan FirstTokenTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest silence between two chunks once tokens flow.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Cap on a synchronous generation (HTTP chat), further clamped to the request's remaining budget.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:30:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Cap on a background generation (chat tasks), further clamped to the task's own timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan BackgroundTotalTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Ollama <c>num_predict</c>: no answer is longer.</summary>
    [Range(1, 32_768)]
    public int NumPredict { get; set; } = 512;

    /// <summary>Retries of a generation that failed before its first token (never after).</summary>
    [Range(0, 5)]
    public int RetriesBeforeFirstToken { get; set; } = 1;

    [Range(typeof(TimeSpan), "00:00:00", "00:00:30")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>When the LLM is unavailable: answer from the passages flagged <c>degraded</c> (true) or 503
    /// <c>LLM_UNAVAILABLE</c>.</summary>
    public bool DegradeWhenUnavailable { get; set; } = true;

    /// <summary>
    /// Time kept back from a request's budget to build and store the degraded answer when the LLM is unavailable or
    /// times out: the generation (and the vector search) only get what is left of the request minus this reserve.
    /// The reserve is the smaller of this and <see cref="FallbackReserveFraction"/> of the request's budget.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan FallbackReserve { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>Share of the request's budget kept as the fallback reserve when that is smaller than
    /// <see cref="FallbackReserve"/>.</summary>
    [Range(0.01, 0.9)]
    public double FallbackReserveFraction { get; set; } = 0.15;

    /// <summary>Readiness probe of <c>/api/version</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:02")]
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(1);

    public BreakerOptions Breaker { get; set; } = new();
}
