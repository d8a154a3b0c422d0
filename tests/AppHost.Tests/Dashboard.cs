using System.Text.Json;

namespace AppHost.Tests;

/// <summary>Reads the dashboard's telemetry API (<c>/api/telemetry/traces</c>, OTLP JSON, API-key protected).</summary>
internal static class Dashboard
{
    public static Task WaitForSpanAsync(AppHostFixture fixture, string serviceName, string traceId, CancellationToken cancellationToken) =>
        WaitForSpanAsync(fixture, serviceName, traceId, static _ => true, "span", cancellationToken);

    /// <summary>
    /// Waits for a span of <paramref name="serviceName"/> in <paramref name="traceId"/> that <paramref name="matches"/>
    /// (an OTLP JSON span), e.g. the model call's gen_ai span the dashboard's GenAI view is built from.
    /// </summary>
    public static async Task WaitForSpanAsync(
        AppHostFixture fixture, string serviceName, string traceId, Func<JsonElement, bool> matches, string what,
        CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = fixture.DashboardUrl, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Add("x-api-key", fixture.DashboardApiKey);
        string last = "(no answer)";
        while (true)
        {
            // The services export every second in Development (OTEL_BSP_SCHEDULE_DELAY=1000, set by the AppHost).
            using var response = await client.GetAsync(new Uri("/api/telemetry/traces", UriKind.Relative), cancellationToken);
            last = $"{(int)response.StatusCode}";
            if (response.IsSuccessStatusCode)
            {
                using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                if (HasSpan(document.RootElement, serviceName, traceId, matches))
                {
                    return;
                }
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException(
                    $"The dashboard at {fixture.DashboardUrl} never listed a {serviceName} {what} of trace {traceId} " +
                    $"(last answer {last}).");
            }
        }
    }

    /// <summary>The value of a span's string or integer attribute, or null.</summary>
    public static string? Attribute(JsonElement span, string key)
    {
        if (!span.TryGetProperty("attributes", out var attributes))
        {
            return null;
        }

        foreach (var attribute in attributes.EnumerateArray())
        {
            if (attribute.GetProperty("key").GetString() != key)
            {
                continue;
            }

            var value = attribute.GetProperty("value");
            return value.TryGetProperty("stringValue", out var text) ? text.GetString()
                : value.TryGetProperty("intValue", out var number) ? number.ToString()
                : null;
        }

        return null;
    }

    private static bool HasSpan(JsonElement root, string serviceName, string traceId, Func<JsonElement, bool> matches)
    {
        if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("resourceSpans", out var resourceSpans))
        {
            return false;
        }

        foreach (var resourceSpan in resourceSpans.EnumerateArray())
        {
            if (!IsService(resourceSpan, serviceName))
            {
                continue;
            }

            foreach (var scope in resourceSpan.GetProperty("scopeSpans").EnumerateArray())
            {
                foreach (var span in scope.GetProperty("spans").EnumerateArray())
                {
                    if (string.Equals(span.GetProperty("traceId").GetString(), traceId, StringComparison.OrdinalIgnoreCase)
                        && matches(span))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static bool IsService(JsonElement resourceSpan, string serviceName)
    {
        if (!resourceSpan.TryGetProperty("resource", out var resource) || !resource.TryGetProperty("attributes", out var attributes))
        {
            return false;
        }

        foreach (var attribute in attributes.EnumerateArray())
        {
            if (attribute.GetProperty("key").GetString() == "service.name"
                && attribute.GetProperty("value").TryGetProperty("stringValue", out var value)
                && value.GetString() == serviceName)
            {
                return true;
            }
        }

        return false;
    }
}
