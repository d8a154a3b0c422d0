namespace ServiceDefaults.Auth;

/// <summary>
/// The default audience (<c>aud</c>) of each service's API: a service accepts only tokens issued for it
/// (<c>Auth:Audience</c>, set in each service's appsettings.json and by the AppHost).
/// </summary>
public static class ServiceAudiences
{
    public const string Chat = "chatservice";

    public const string Evaluation = "evaluationservice";

    public const string Distributor = "distributorservice";

    /// <summary>Every service's audience: what a development token for "everything" carries (TokenTool's default).</summary>
    public static readonly IReadOnlyList<string> All = [Chat, Evaluation, Distributor];
}
