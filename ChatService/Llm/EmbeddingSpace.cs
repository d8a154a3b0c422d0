using System.Globalization;

namespace ChatService.Llm;

/// <summary>
/// The vector space a document was indexed in: the provider (<c>ollama</c>, <c>embedded</c>), the model and the
/// dimension of its vectors. Each space has its own Chroma collection, so vectors of two models never meet in a query,
/// and <see cref="Key"/> is what <c>documents.embedding_model</c> records.
/// </summary>
public sealed record EmbeddingSpace(string Provider, string Model, int Dimensions)
{
    /// <summary><c>provider:model:dimensions</c>, e.g. <c>embedded:all-MiniLM-L6-v2:384</c>.</summary>
    public string Key => string.Create(CultureInfo.InvariantCulture, $"{Provider}:{Model}:{Dimensions}");

    /// <summary>The part of <see cref="Key"/> that names the model without its dimension (known before the first vector).</summary>
    public static string ModelKey(string provider, string model) => $"{provider}:{model}:";

    /// <summary>Null for a value written before spaces were recorded (a bare Ollama model name).</summary>
    public static EmbeddingSpace? TryParse(string? key)
    {
        if (key is null)
        {
            return null;
        }

        var last = key.LastIndexOf(':');
        var first = key.IndexOf(':');
        if (first <= 0 || last <= first + 1
            || !int.TryParse(key.AsSpan(last + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var dimensions) || dimensions <= 0)
        {
            return null;
        }

        return new EmbeddingSpace(key[..first], key[(first + 1)..last], dimensions);
    }

    public override string ToString() => Key;
}
