namespace EvaluationService.Options;

/// <summary>
/// The token the evaluation presents to ChatService (section <c>Evaluation:ChatAuth</c>).
/// <c>DevSigningKey</c> mints a short-lived token for the run's owner with <c>Auth:SigningKey</c> (development and tests);
/// <c>StaticToken</c> sends <see cref="Token"/> (a client-credentials token obtained by the deployment); <c>None</c> sends nothing.
/// </summary>
public sealed class ChatAuthOptions
{
    public const string Section = "Evaluation:ChatAuth";

    public ChatAuthMode Mode { get; set; } = ChatAuthMode.DevSigningKey;

    public string? Token { get; set; }

    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(15);
}
