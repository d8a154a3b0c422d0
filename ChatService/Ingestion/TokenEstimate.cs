namespace ChatService.Ingestion;

/// <summary>
/// Approximate token counts without a model tokenizer: about 4 characters or 0.75 words per token for English;
/// the larger of the two estimates is used so budgets err on the safe side.
/// </summary>
public static class TokenEstimate
{
    public static int Of(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        var words = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        return Math.Max((text.Length + 3) / 4, (int)Math.Ceiling(words / 0.75));
    }
}
