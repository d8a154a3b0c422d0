using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Testing;

/// <summary>The five principals of every service's authorization matrix.</summary>
public enum Principal { None, User, OtherUser, Admin, Service }

/// <summary>
/// Runs one row of an authorization matrix: a route called by each principal, the status each must get. An expected status
/// of <see cref="Allowed"/> means "let through": anything but 401, 403, 404 and 5xx (for rows whose success status depends on
/// timing, e.g. cancelling a run that may already have ended). Every refusal must be a problem detail with a <c>code</c>.
/// </summary>
public static class AuthorizationMatrix
{
    public const int Allowed = 0;

    /// <param name="prepare">
    /// Called once per cell (fresh resources, so destructive rows do not depend on cell order): the URL and the body.
    /// </param>
    public static async Task<IReadOnlyList<string>> CheckRowAsync(string method, Func<Task<(string Url, string? Body)>> prepare,
        string contentType, IReadOnlyDictionary<Principal, int> expected, Func<Principal, string?> tokenFor, Func<HttpClient> createClient)
    {
        var failures = new List<string>();
        foreach (var (who, status) in expected)
        {
            var (url, body) = await prepare();
            using var client = createClient();
            if (tokenFor(who) is { } token)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (body is not null)
            {
                request.Content = new StringContent(body, Encoding.UTF8);
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            var actual = (int)response.StatusCode;
            var ok = status == Allowed ? actual is < 500 and not (401 or 403 or 404) : actual == status;
            if (!ok)
            {
                failures.Add($"{method} {url} as {who}: {actual}, expected {(status == Allowed ? "allowed" : status)} " +
                    $"{await ShortBodyAsync(response)}");
            }
            else if (actual >= 400 && !await HasCodeAsync(response))
            {
                failures.Add($"{method} {url} as {who}: {actual} without a problem code");
            }
        }

        return failures;
    }

    public static IReadOnlyDictionary<Principal, int> Row(int none, int user, int otherUser, int admin, int service) =>
        new Dictionary<Principal, int>
    {
        [Principal.None] = none,
        [Principal.User] = user,
        [Principal.OtherUser] = otherUser,
        [Principal.Admin] = admin,
        [Principal.Service] = service,
    };

    private static async Task<bool> HasCodeAsync(HttpResponseMessage response)
    {
        try
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return json.RootElement.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<string> ShortBodyAsync(HttpResponseMessage response)
    {
        if (response.Content.Headers.ContentType?.MediaType == "text/event-stream")
        {
            return "(event stream)";
        }

        var text = await response.Content.ReadAsStringAsync();
        return text.Length > 200 ? text[..200] : text;
    }
}
