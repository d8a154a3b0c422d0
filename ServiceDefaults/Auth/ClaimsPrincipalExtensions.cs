using System.Security.Claims;

namespace ServiceDefaults.Auth;

public static class ClaimsPrincipalExtensions
{
    /// <summary>The caller's stable user id (<c>sub</c> claim); every owned resource is keyed by it.</summary>
    public static string GetUserId(this ClaimsPrincipal principal) =>
        principal.FindFirstValue("sub")
        ?? principal.FindFirstValue(ClaimTypes.NameIdentifier)
        ?? throw new InvalidOperationException("Authenticated principal has no 'sub' claim.");

    public static bool IsAdmin(this ClaimsPrincipal principal) => principal.IsInRole("admin");
}
