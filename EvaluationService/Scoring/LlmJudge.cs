using System.Globalization;
using System.Text;
using System.Text.Json;
using EvaluationService.Chat;
using Microsoft.Extensions.AI;

namespace EvaluationService.Scoring;

/// <summary>
/// LLM-as-judge: groundedness of the answer in the cited passages and correctness against the expected answer,
/// each 1–5, temperature 0. Any failure (timeout, unreachable model, unparsable output) is returned as an error.
/// </summary>
public sealed class LlmJudge(EvaluationLlm llm, ILogger<LlmJudge> logger)
{
    public bool IsEnabled => llm.IsConfigured;

    public async Task<JudgeVerdict?> JudgeAsync(string question, string? expectedAnswer, string answer,
        IReadOnlyList<ChatCitation> citations, CancellationToken cancellationToken)
    {
        if (llm.Client is not { } client)
        {
            return null;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(llm.Timeout);
        try
        {
            var response = await client.GetResponseAsync(
                [new ChatMessage(ChatRole.System, SystemPrompt),
                    new ChatMessage(ChatRole.User, UserPrompt(question, expectedAnswer, answer, citations))],
                new ChatOptions
                {
                    Temperature = 0,
                    TopP = 1,
                    Seed = 1,
                    MaxOutputTokens = llm.MaxOutputTokens,
                    ModelId = llm.Model,
                    ResponseFormat = ChatResponseFormat.Json,
                },
                timeout.Token);
            return Parse(response.Text);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            // TimeoutException: the client's per-read idle bound (ReadWatchdogHandler) closed a stalled answer
            return new JudgeVerdict(null, null, $"JUDGE_TIMEOUT: no verdict within {llm.Timeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException or JsonException or NotSupportedException)
        {
            logger.LogWarning(ex, "Judge call failed");
            return new JudgeVerdict(null, null, $"JUDGE_UNAVAILABLE: {Truncate(ex.Message, 300)}");
        }
    }

    internal static JudgeVerdict Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return new JudgeVerdict(null, null, "JUDGE_INVALID_OUTPUT: empty");
        }

        var start = text.IndexOf('{', StringComparison.Ordinal);
        var end = text.LastIndexOf('}');
        if (start < 0 || end <= start)
        {
            return new JudgeVerdict(null, null, $"JUDGE_INVALID_OUTPUT: {Truncate(text, 200)}");
        }

        try
        {
            using var json = JsonDocument.Parse(text[start..(end + 1)]);
            var grounded = Score(json.RootElement, "groundedness");
            var correct = Score(json.RootElement, "correctness");
            return grounded is null || correct is null
                ? new JudgeVerdict(null, null, $"JUDGE_INVALID_OUTPUT: {Truncate(text, 200)}")
                : new JudgeVerdict(grounded, correct, null);
        }
        catch (JsonException)
        {
            return new JudgeVerdict(null, null, $"JUDGE_INVALID_OUTPUT: {Truncate(text, 200)}");
        }
    }

    private static int? Score(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value))
        {
            return null;
        }

        double number;
        if (value.ValueKind == JsonValueKind.Number)
        {
            number = value.GetDouble();
        }
        else if (value.ValueKind == JsonValueKind.String
            && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            number = parsed;
        }
        else
        {
            return null;
        }

        var rounded = (int)Math.Round(number);
        return rounded is >= 1 and <= 5 ? rounded : null;
    }

    private const string SystemPrompt =
        "You grade answers of a retrieval-augmented assistant. Reply with JSON only: {\"groundedness\": 1-5, \"correctness\": 1-5}. " +
        "groundedness: how well every claim of the answer is supported by the cited passages (5 = fully). " +
        "correctness: how well the answer matches the expected answer (5 = same meaning). Integers only.";

    private static string UserPrompt(string question, string? expected, string answer, IReadOnlyList<ChatCitation> citations)
    {
        var prompt = new StringBuilder();
        prompt.Append("Question: ").AppendLine(question);
        prompt.Append("Expected answer: ").AppendLine(expected ?? "(none given; judge correctness by the passages)");
        prompt.Append("Answer: ").AppendLine(answer);
        prompt.AppendLine("Cited passages:");
        for (var i = 0; i < citations.Count; i++)
        {
            prompt.Append(CultureInfo.InvariantCulture, $"[{i + 1}] {citations[i].Title}: {citations[i].Snippet}").AppendLine();
        }

        return prompt.ToString();
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];
}
