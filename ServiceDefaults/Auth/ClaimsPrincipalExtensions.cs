using System.Diagnostics.CodeAnalysis;
using System.Security.Claims;

namespace ServiceDefaults.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>
    /// The caller's stable user id (<c>sub</c> claim); every owned resource is keyed by it. Authentication refuses a token
    /// without one (401), so an authenticated principal always has it.
    /// </summary>
    public static string GetUserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue("sub")
        ?? principal.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new InvalidOperationException("Authenticated principal has no 'sub' claim.");

    /// <summary>True when the principal carries a non-blank <c>sub</c>.</summary>
    public static bool HasUserId([NotNullWhen(true)] ClaimsPrincipal? principal) =>
        principal is not null && !string.IsNullOrWhiteSpace(principal.FindFirstValue("sub")
            ?? principal.FindFirstValue(ClaimTypes.NameIdentifier));

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole(AuthRoles.Admin);
}
