using System.Text.Json;
using ChatService.Apis.Contracts;
using ChatService.Llm;

namespace ChatService.Apis;

/// <summary>
/// What an OpenAI chat-completions request means for a RAG turn: the question (the last user message), the earlier
/// turns (user and assistant messages before it, oldest first; the prompt keeps the newest within
/// <c>Retrieval:HistoryTokenBudget</c>), the caller's system prompt, the retrieval query and the sampling settings.
/// Or the OpenAI-shaped error that refuses the request.
/// </summary>
public sealed record OpenAiConversation(
    string Question,
    IReadOnlyList<(string Role, string Content)> History,
    string? ClientInstructions,
    string? RetrievalQuery,
    GenerationSettings? Settings)
{
    /// <summary>Words by which a follow-up refers back to an earlier turn ("what about its lamp?").</summary>
    private static readonly HashSet<string> ReferringWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "it", "its", "it's", "they", "them", "their", "theirs", "that", "this", "those", "these", "he", "him", "his", "she",
        "her", "hers", "there", "then", "one", "ones", "same", "former", "latter",
    };

    public static (OpenAiConversation? Conversation, OpenAiError? Error) From(OpenAiChatRequest request, IReadOnlyCollection<string> models)
    {
        if (request.Model is { } model && !models.Contains(model))
        {
            return (null, new OpenAiError(404, "invalid_request_error", $"The model '{model}' does not exist; GET /v1/models lists them.",
                "model", "model_not_found"));
        }

        if (Unsupported(request) is { } unsupported)
        {
            return (null, unsupported);
        }

        var messages = request.Messages ?? [];
        var lastUser = -1;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == "user")
            {
                lastUser = i;
                break;
            }
        }

        var question = lastUser < 0 ? null : messages[lastUser].Text().Trim();
        if (string.IsNullOrEmpty(question))
        {
            return (null, OpenAiError.Invalid("messages must contain a user message with text.", "messages"));
        }

        var history = messages.Take(lastUser)
            .Where(m => m.Role is "user" or "assistant" && m.Text().Trim().Length > 0)
            .Select(m => (m.Role!, m.Text().Trim()))
            .ToList();
        var system = string.Join("\n",
            messages.Where(m => m.Role is "system" or "developer").Select(m => m.Text().Trim()).Where(t => t.Length > 0));
        var (settings, settingsError) = SettingsOf(request);
        if (settingsError is not null)
        {
            return (null, settingsError);
        }

        return (new OpenAiConversation(question, history, system.Length == 0 ? null : system, RetrievalQueryFor(question, history),
            settings), null);
    }

    /// <summary>
    /// A follow-up that refers back ("what about its lamp?") is searched together with the previous user message, so
    /// retrieval finds the passage the conversation is about; a question that stands alone is searched as it is.
    /// </summary>
    public static string? RetrievalQueryFor(string question, IReadOnlyList<(string Role, string Content)> history)
    {
        var previous = history.LastOrDefault(m => m.Role == "user").Content;
        if (string.IsNullOrEmpty(previous))
        {
            return null;
        }

        var words = question.Split([' ', '\t', '\n', ',', '.', '?', '!', ';', ':', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries);
        return words.Any(ReferringWords.Contains) ? $"{previous}\n{question}" : null;
    }

    private static OpenAiError? Unsupported(OpenAiChatRequest request)
    {
        if (request.Tools is { ValueKind: JsonValueKind.Array } tools && tools.GetArrayLength() > 0)
        {
            return OpenAiError.Invalid("Tool calls are not supported by this endpoint (it answers from your documents).", "tools",
                "unsupported_parameter");
        }

        if (request.Functions is { ValueKind: JsonValueKind.Array } functions && functions.GetArrayLength() > 0)
        {
            return OpenAiError.Invalid("Function calls are not supported by this endpoint.", "functions", "unsupported_parameter");
        }

        return request.N is > 1 or < 1
            ? OpenAiError.Invalid("Only n = 1 is supported.", "n", "unsupported_value")
            : null;
    }

    private static (GenerationSettings? Settings, OpenAiError? Error) SettingsOf(OpenAiChatRequest request)
    {
        if (request.Temperature is < 0 or > 2)
        {
            return (null, OpenAiError.Invalid("temperature must be between 0 and 2.", "temperature"));
        }

        if (request.TopP is < 0 or > 1)
        {
            return (null, OpenAiError.Invalid("top_p must be between 0 and 1.", "top_p"));
        }

        var maxTokens = request.MaxCompletionTokens ?? request.MaxTokens;
        if (maxTokens is < 1)
        {
            return (null, OpenAiError.Invalid("max_tokens must be at least 1.",
                request.MaxCompletionTokens is null ? "max_tokens" : "max_completion_tokens"));
        }

        IReadOnlyList<string>? stop = null;
        switch (request.Stop)
        {
            case null or { ValueKind: JsonValueKind.Null }:
                break;
            case { ValueKind: JsonValueKind.String } one:
                stop = [one.GetString()!];
                break;
            case { ValueKind: JsonValueKind.Array } many when many.GetArrayLength() <= 4 && many.EnumerateArray()
                .All(e => e.ValueKind == JsonValueKind.String):
                stop = many.EnumerateArray().Select(e => e.GetString()!).ToList();
                break;
            default:
                return (null, OpenAiError.Invalid("stop must be a string or an array of at most 4 strings.", "stop"));
        }

        var none = request.Temperature is null && request.TopP is null && maxTokens is null && stop is null && request.Seed is null;
        return (none ? null : new GenerationSettings(request.Temperature, request.TopP, maxTokens, stop, request.Seed), null);
    }
}

/// <summary>An error in OpenAI's shape: <c>{"error": {"message", "type", "param", "code"}}</c>, which the SDKs turn into typed
/// errors.</summary>
public sealed record OpenAiError(int Status, string Type, string Message, string? Param = null, string? Code = null)
{
    public static OpenAiError Invalid(string message, string? param, string? code = "invalid_value") =>
        new(400, "invalid_request_error", message, param, code);

    public object Body => new { error = new { message = Message, type = Type, param = Param, code = Code } };

    public IResult ToResult() => Results.Json(Body, statusCode: Status);
}
