using System.ComponentModel.DataAnnotations;

namespace EvaluationService.Options;

/// <summary>
/// The optional LLM (section <c>Evaluation:Judge</c>) used as a judge and for suite generation. Active when
/// <c>ConnectionStrings__chat-model</c> (<c>Endpoint=…;Model=…</c>) is set and <see cref="Enabled"/> is true.
/// </summary>
public sealed class JudgeOptions
{
    public const string Section = "Evaluation:Judge";

    public bool Enabled { get; set; } = true;

    [Required]
    public string ConnectionName { get; set; } = "chat-model";

    /// <summary>Bound on one judge or generation call (the model may have to load).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(1);

    [Range(16, 8_192)]
    public int MaxOutputTokens { get; set; } = 256;
}
