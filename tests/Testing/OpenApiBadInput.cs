using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Testing;

/// <summary>
/// The bad-input suite every service runs against its own OpenAPI document (<c>/openapi/v1.json</c>): for every operation
/// with parameters or a request body it sends a corpus of bad inputs (malformed JSON, wrong JSON types, NUL and lone
/// surrogates, 10^5-character strings, deep nesting, negative and huge numbers, duplicate and missing fields, bad cursors
/// and limits, bad path values, a wrong content type, an oversized body) and checks the answers. Adding an endpoint adds its
/// cases. Returns one line per violation (empty: all good).
/// </summary>
/// <remarks>
/// Input that is certainly wrong must be a 4xx problem detail with a <c>code</c>; input that is merely extreme (a long string
/// in a field without a declared limit, a negative number, a duplicate field) may be accepted, but is never a 5xx, and when
/// refused it is a problem detail with a <c>code</c>. OpenAI-compatible routes (<c>/v1/…</c>) may answer OpenAI's error shape.
/// </remarks>
public static class OpenApiBadInput
{
    public const int LongString = 100_000;

    public sealed record Case(string Operation, string Kind, bool CertainlyBad, HttpRequestMessage Request);

    public static async Task<IReadOnlyList<string>> RunAsync(HttpClient client, int oversizedBodyBytes, CancellationToken cancellationToken,
        Func<string, string, bool>? skip = null)
    {
        using var documentResponse = await client.GetAsync("/openapi/v1.json", cancellationToken);
        documentResponse.EnsureSuccessStatusCode();
        var document = JsonNode.Parse(await documentResponse.Content.ReadAsStringAsync(cancellationToken))!;
        var failures = new List<string>();
        var operations = 0;
        foreach (var (path, pathItem) in document["paths"]!.AsObject())
        {
            foreach (var (method, operationNode) in pathItem!.AsObject())
            {
                if (operationNode is not JsonObject operation || method is "parameters" or "summary" or "description"
                    || skip?.Invoke(method, path) == true)
                {
                    continue;
                }

                operations++;
                foreach (var @case in CasesFor(document, method.ToUpperInvariant(), path, operation, oversizedBodyBytes))
                {
                    if (await CheckAsync(client, @case, cancellationToken) is { } failure)
                    {
                        failures.Add(failure);
                    }
                }
            }
        }

        if (operations == 0)
        {
            failures.Add("the OpenAPI document lists no operation");
        }

        return failures;
    }

    private static IEnumerable<Case> CasesFor(JsonNode document, string method, string path, JsonObject operation, int oversized)
    {
        var name = $"{method} {path}";
        var parameters = (operation["parameters"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        var pathParameters = parameters.Where(p => (string?)p["in"] == "path").ToList();
        var queryParameters = parameters.Where(p => (string?)p["in"] == "query").ToList();
        var body = operation["requestBody"]?["content"] as JsonObject;
        if (pathParameters.Count == 0 && queryParameters.Count == 0 && body is null)
        {
            yield break; // nothing a caller can corrupt
        }

        var goodPath = Fill(path, pathParameters, p => SampleValue(document, p["schema"]));
        HttpRequestMessage Request(string url, HttpContent? content = null) => new(new HttpMethod(method), url) { Content = content };
        HttpContent Json(string json) => new StringContent(json, Encoding.UTF8, "application/json");
        var baseline = body?["application/json"] is { } json ? SampleObject(document, json["schema"]) : null;
        HttpContent? BaselineContent() => baseline is null ? null : Json(baseline.ToJsonString());

        // Path values the route does not take.
        foreach (var bad in new[] { "not-a-guid", "..%2F..%2Fadmin", "%F0%9F", new string('9', 400) })
        {
            if (pathParameters.Count > 0)
            {
                yield return new Case(name, $"path={bad[..Math.Min(bad.Length, 12)]}", true,
                    Request(Fill(path, pathParameters, _ => bad), BaselineContent()));
            }
        }

        // Query values: wrong types, out of range, garbage cursors, NUL.
        foreach (var parameter in queryParameters)
        {
            var parameterName = (string)parameter["name"]!;
            var type = SchemaType(document, parameter["schema"]);
            var values = new List<(string Value, bool Bad)>
            {
                ("%00", type is "integer" or "number" || parameterName == "cursor"),
                ("%ED%A0%80", type is "integer" or "number"),
                (new string('x', 4_000), type is "integer" or "number"),
            };
            if (type is "integer" or "number")
            {
                values.Add(("abc", true));
                values.Add(("-1", parameterName == "limit"));
                values.Add(("99999999999999999999", true));
                values.Add(("1000000000", parameterName == "limit"));
            }

            if (parameterName == "cursor")
            {
                values.Add(("garbage", true));
                values.Add(("-1", true));
            }

            foreach (var (value, bad) in values)
            {
                yield return new Case(name, $"query {parameterName}={value[..Math.Min(value.Length, 12)]}", bad,
                    Request($"{goodPath}?{parameterName}={value}", BaselineContent()));
            }
        }

        if (body is null)
        {
            yield break;
        }

        var jsonBody = body.ContainsKey("application/json");
        if (jsonBody)
        {
            yield return new Case(name, "malformed JSON", true, Request(goodPath, Json("""{"a": """)));
            yield return new Case(name, "truncated string", true, Request(goodPath, Json("""{"a":"abc""")));
            yield return new Case(name, "deep nesting", true,
                Request(goodPath, Json(string.Concat(Enumerable.Repeat("[", 5_000)) + string.Concat(Enumerable.Repeat("]", 5_000)))));
            yield return new Case(name, "wrong top-level type", true, Request(goodPath, Json("[1,2,3]")));
            yield return new Case(name, "a number instead of the object", true, Request(goodPath, Json("42")));
            // Certainly wrong only where the document says the body is required (an optional body may be left out).
            yield return new Case(name, "missing body", (bool?)operation["requestBody"]?["required"] == true, Request(goodPath, Json("")));
            yield return new Case(name, "wrong content type", true,
                Request(goodPath, new StringContent(baseline?.ToJsonString() ?? "{}", Encoding.UTF8, "text/plain")));
            if (baseline is JsonObject properties)
            {
                yield return new Case(name, "empty object", false, Request(goodPath, Json("{}")));
                var declaredProperties = Resolve(document, body["application/json"]!["schema"])?["properties"];
                foreach (var (property, value) in properties)
                {
                    // Only a declared type makes "the wrong type" certainly wrong (a free-form JSON value takes anything).
                    var declared = SchemaType(document, declaredProperties?[property]);
                    var schemaType = declared switch
                    {
                        "integer" or "number" => "number",
                        "string" or "array" or "object" or "boolean" => declared,
                        _ => "any",
                    };
                    // Raw JSON values: the service must see the escapes exactly (a JSON writer would refuse a lone surrogate).
                    var variants = new List<(string Kind, string Raw, bool Bad)>
                    {
                        ("wrong type", schemaType == "string" ? "12345" : "\"not-a-" + schemaType + "\"", schemaType != "any"),
                        ("nested 200 deep", Nest(200).ToJsonString(), true),
                        ("NUL inside", "{\"k\":\"\\u0000\"}", true),
                    };
                    if (schemaType is "string" or "any")
                    {
                        variants.Add(("NUL", "\"a\\u0000b\"", true));
                        variants.Add(("lone surrogate", "\"a\\ud800b\"", true));
                        variants.Add(("10^5 characters", "\"" + new string('x', LongString) + "\"", false));
                    }

                    if (schemaType == "number")
                    {
                        variants.Add(("negative", "-1", false));
                        variants.Add(("huge", "1e300", true));
                        variants.Add(("beyond int64", "99999999999999999999999", true));
                    }

                    if (schemaType == "array")
                    {
                        variants.Add(("array of NUL", "[\"\\u0000\"]", true));
                    }

                    foreach (var (kind, raw, bad) in variants)
                    {
                        yield return new Case(name, $"{property}: {kind}", bad,
                            Request(goodPath, Json(ReplaceProperty(properties, property, raw))));
                    }

                    yield return new Case(name, $"{property}: duplicate", false,
                        Request(goodPath, Json(ReplaceProperty(properties, property, value?.ToJsonString() ?? "null", duplicate: true))));
                }
            }
        }
        else
        {
            var contentType = body.Select(c => c.Key).First();
            yield return new Case(name, $"garbage {contentType}", true,
                Request(goodPath, new ByteArrayContent("\u0000garbage--\r\n"u8.ToArray())
                {
                    Headers = { { "Content-Type", contentType } },
                }));
            yield return new Case(name, "wrong content type", true,
                Request(goodPath, new StringContent("{}", Encoding.UTF8, "application/xml")));
        }

        yield return new Case(name, "oversized body", true, Request(goodPath,
            new ByteArrayContent(new byte[oversized]) { Headers = { { "Content-Type",
                jsonBody ? "application/json" : body.Select(c => c.Key).First() } } }));
    }

    private static async Task<string?> CheckAsync(HttpClient client, Case @case, CancellationToken cancellationToken)
    {
        using var request = @case.Request;
        var oversized = @case.Kind == "oversized body";
        if (oversized)
        {
            // The server answers 413 from the Content-Length before reading the body; without this the client may still be
            // writing when the server closes the connection.
            request.Headers.ExpectContinue = true;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (HttpRequestException) when (oversized)
        {
            return null; // the server refused the body and closed the connection while it was being sent: refused, not a 5xx
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"{@case.Operation} [{@case.Kind}]: no answer ({ex.GetType().Name}: {ex.Message})";
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (status >= 500)
            {
                return $"{@case.Operation} [{@case.Kind}]: {status} {await BodyAsync(response, timeout.Token)}";
            }

            if (status < 400)
            {
                return @case.CertainlyBad ? $"{@case.Operation} [{@case.Kind}]: {status}, expected a 4xx" : null;
            }

            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!HasCode(response, text, @case.Operation))
            {
                return $"{@case.Operation} [{@case.Kind}]: {status} without a problem detail code: {text[..Math.Min(text.Length, 300)]}";
            }

            return null;
        }
    }

    private static bool HasCode(HttpResponseMessage response, string text, string operation)
    {
        try
        {
            using var json = JsonDocument.Parse(text);
            if (response.Content.Headers.ContentType?.MediaType == "application/problem+json"
                && json.RootElement.TryGetProperty("code", out var code) && code.GetString() is { Length: > 0 })
            {
                return true;
            }

            // OpenAI-compatible routes answer OpenAI's error shape.
            return operation.Contains(" /v1/", StringComparison.Ordinal) && json.RootElement.TryGetProperty("error", out var error)
                && error.TryGetProperty("type", out _);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<string> BodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length > 300 ? text[..300] : text;
    }

    private static string Fill(string path, List<JsonObject> parameters, Func<JsonObject, string> value)
    {
        foreach (var parameter in parameters)
        {
            path = path.Replace("{" + (string)parameter["name"]! + "}", value(parameter), StringComparison.Ordinal);
        }

        return path;
    }

    private static JsonNode Nest(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++)
        {
            node = new JsonArray(node);
        }

        return node;
    }

    private static string ReplaceProperty(JsonObject properties, string property, string rawValue, bool duplicate = false)
    {
        var parts = properties.Select(p => p.Key == property && !duplicate
            ? $"{JsonSerializer.Serialize(p.Key)}:{rawValue}"
            : $"{JsonSerializer.Serialize(p.Key)}:{p.Value?.ToJsonString() ?? "null"}").ToList();
        if (duplicate)
        {
            parts.Add($"{JsonSerializer.Serialize(property)}:{rawValue}");
        }

        return "{" + string.Join(",", parts) + "}";
    }

    private static JsonNode? Resolve(JsonNode document, JsonNode? schema)
    {
        for (var i = 0; i < 10 && schema?["$ref"] is { } reference; i++)
        {
            var name = ((string)reference!).Split('/')[^1];
            schema = document["components"]?["schemas"]?[name];
        }

        return schema;
    }

    private static string? SchemaType(JsonNode document, JsonNode? schema)
    {
        var resolved = Resolve(document, schema);
        return resolved?["type"] switch
        {
            JsonValue v => (string?)v,
            JsonArray a => a.Select(t => (string?)t).FirstOrDefault(t => t is not "null"),
            _ => null,
        };
    }

    private static string SampleValue(JsonNode document, JsonNode? schema) =>
        (string?)Resolve(document, schema)?["format"] == "uuid" || SchemaType(document, schema) is null or "string"
            ? Guid.NewGuid().ToString()
            : "1";

    /// <summary>An object with every property the schema lists, each a plausible value of its type.</summary>
    private static JsonNode? SampleObject(JsonNode document, JsonNode? schema)
    {
        var resolved = Resolve(document, schema);
        if (resolved?["properties"] is not JsonObject properties)
        {
            return new JsonObject();
        }

        var sample = new JsonObject();
        foreach (var (name, propertySchema) in properties)
        {
            var property = Resolve(document, propertySchema);
            sample[name] = SchemaType(document, propertySchema) switch
            {
                "integer" => JsonValue.Create(1),
                "number" => JsonValue.Create(1.5),
                "boolean" => JsonValue.Create(true),
                "array" => new JsonArray(JsonValue.Create("x")),
                "object" => new JsonObject(),
                _ when (string?)property?["format"] == "uuid" => JsonValue.Create(Guid.NewGuid().ToString()),
                _ when (string?)property?["format"] == "date-time" =>
                    JsonValue.Create(DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture)),
                _ => JsonValue.Create("x"),
            };
        }

        return sample;
    }
}
