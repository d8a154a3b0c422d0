using ServiceDefaults.Auth;

namespace EvaluationService.Auth;

/// <summary>EvaluationService's downstream clients and the tokens they present (<see cref="ServiceTokenProvider"/>).</summary>
public static class ServiceClients
{
    /// <summary>
    /// Calls to ChatService, made for the run's owner with a delegated token (<c>sub</c> = owner, <c>act.sub</c> =
    /// <c>evaluationservice</c>, audience <c>chatservice</c>, no role, 5 minutes), section <c>Evaluation:ChatAuth</c>.
    /// </summary>
    public const string Chat = "chat";

    /// <summary>
    /// The events outbox's token for DistributorService, as the service itself (<c>sub</c> <c>evaluationservice</c>, role
    /// <c>publisher</c>, audience <c>distributorservice</c>; client <c>events</c> of <c>DurableJobs/Events</c>).
    /// </summary>
    public const string DistributorSection = "Evaluation:DistributorAuth";

    public const string Identity = "evaluationservice";

    public static IServiceCollection AddEvaluationServiceTokens(this IServiceCollection services) =>
        services.AddServiceToken(Chat, new ServiceTokenDefaults("Evaluation:ChatAuth", Identity, ServiceAudiences.Chat, [],
            TimeSpan.FromMinutes(5)));
}
