using System.Security.Claims;
using DistributorService.Data;
using DistributorService.Options;
using Microsoft.Extensions.Options;
using ServiceDefaults.Auth;

namespace DistributorService.Intake;

/// <summary>
/// The publisher model: who may post events (<see cref="PolicyName"/>: the <c>publisher</c> role or the
/// <see cref="PublishScope"/> scope), which types each publisher may post (<c>Distributor:Publishers</c>), and which events,
/// distributions and dead letters a caller may read (admins: all; a publisher: those of the events it posted).
/// </summary>
public sealed class Publishers(IOptionsMonitor<DistributorOptions> options)
{
    /// <summary>Authorization policy of <c>POST /api/events</c>.</summary>
    public const string PolicyName = "publisher";

    /// <summary>Authorization policy of the reads: admins and publishers (a publisher sees only its own events).</summary>
    public const string ReaderPolicyName = "event-reader";

    /// <summary>The OAuth scope that, like the <c>publisher</c> role, lets a client-credentials token post events.</summary>
    public const string PublishScope = "events:publish";

    /// <summary>The publisher of the events the service emits itself (<c>destination.disabled</c>).</summary>
    public const string Self = "distributorservice";

    public static bool CanPublish(ClaimsPrincipal user) => user.IsInRole(AuthRoles.Publisher) || HasScope(user, PublishScope);

    /// <summary>True when <paramref name="publisher"/> is configured and one of its patterns matches <paramref name="type"/>.</summary>
    public bool MayPublish(string publisher, string type) =>
        options.CurrentValue.Publishers.TryGetValue(publisher, out var allowed) && allowed.Allows(type);

    /// <summary>The distributions <paramref name="user"/> may read: every one for an admin, else those of its own events.</summary>
    public static IQueryable<Distribution> Visible(IQueryable<Distribution> query, ClaimsPrincipal user)
    {
        if (user.IsAdmin())
        {
            return query;
        }

        var publisher = user.GetUserId();
        return query.Where(d => d.Event!.Publisher == publisher);
    }

    /// <summary>The events <paramref name="user"/> may read.</summary>
    public static IQueryable<AcceptedEvent> Visible(IQueryable<AcceptedEvent> query, ClaimsPrincipal user)
    {
        if (user.IsAdmin())
        {
            return query;
        }

        var publisher = user.GetUserId();
        return query.Where(e => e.Publisher == publisher);
    }

    /// <summary>A space-separated <c>scope</c> claim (RFC 8693) or one <c>scp</c> claim per scope (Microsoft Entra).</summary>
    private static bool HasScope(ClaimsPrincipal user, string scope) =>
        user.FindAll("scope").Any(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(scope, StringComparer.Ordinal))
        || user.FindAll("scp").Any(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(scope, StringComparer.Ordinal));
}
