using System.Text.Json;
using System.Text.Json.Nodes;

namespace OllamaSimulator;

/// <summary>
/// Valid JSON for <c>format</c>. A question/answer/quote request (schema with those three properties, or
/// <c>"json"</c> with a prompt mentioning all three words) gets a <see cref="QuoteTriple"/>. Any other schema gets
/// each property filled by type; <c>"json"</c> alone gets <c>{"answer": …}</c>.
/// </summary>
internal static class StructuredAnswerComposer
{
    public static string Compose(Conversation conversation, JsonElement format)
    {
        var properties = format.ValueKind == JsonValueKind.Object
            && format.TryGetProperty("properties", out var p)
            && p.ValueKind == JsonValueKind.Object
                ? p
                : (JsonElement?)null;
        var wantsTriple = properties is { } schema
            ? HasProperties(schema, "question", "answer", "quote")
            : conversation.MentionsAll("question", "answer", "quote");
        var triple = wantsTriple ? QuoteTriple.From(conversation) : null;

        if (properties is null)
        {
            JsonObject simple = triple is null
                ? new() { ["answer"] = AnswerComposer.Compose(conversation) }
                : new() { ["question"] = triple.Question, ["answer"] = triple.Answer, ["quote"] = triple.Quote };
            return simple.ToJsonString();
        }

        var result = new JsonObject();
        foreach (var property in properties.Value.EnumerateObject())
        {
            result[property.Name] = ValueFor(property.Name, TypeOf(property.Value), conversation, triple);
        }

        return result.ToJsonString();
    }

    /// <summary>
    /// Strings: "question…" → the triple's question, "quote…" → a verbatim sentence, others → the answer.
    /// Numbers → question coverage 0..1; integers → 1..5 from it; booleans → coverage ≥ 0.5;
    /// arrays → the best sentences; objects → {}.
    /// </summary>
    private static JsonNode? ValueFor(string name, string type, Conversation conversation, QuoteTriple? triple)
    {
        var coverage = Math.Round(conversation.QuestionCoverage, 2);
        return type switch
        {
            "number" => coverage,
            "integer" => 1 + (int)Math.Round(4 * coverage),
            "boolean" => coverage >= 0.5,
            "array" => new JsonArray([.. conversation.BestSentences(2).Select(s => (JsonNode?)s.Text)]),
            "object" => new JsonObject(),
            _ when name.Contains("question", StringComparison.OrdinalIgnoreCase) =>
                (triple ?? QuoteTriple.From(conversation)).Question,
            _ when name.Contains("quote", StringComparison.OrdinalIgnoreCase) =>
                triple?.Quote ?? conversation.BestSentences(1).FirstOrDefault()?.Text ?? QuoteTriple.From(conversation).Quote,
            _ => triple?.Answer ?? AnswerComposer.Compose(conversation),
        };
    }

    private static string TypeOf(JsonElement schema)
    {
        if (!schema.TryGetProperty("type", out var type))
        {
            return "string";
        }

        return type.ValueKind switch
        {
            JsonValueKind.String => type.GetString() ?? "string",
            JsonValueKind.Array => type.EnumerateArray().Select(t => t.GetString()).FirstOrDefault(t => t is not null and not "null")
                ?? "string",
            _ => "string",
        };
    }

    private static bool HasProperties(JsonElement properties, params string[] names) =>
        names.All(n => properties.EnumerateObject().Any(p => p.Name.Equals(n, StringComparison.OrdinalIgnoreCase)));
}
