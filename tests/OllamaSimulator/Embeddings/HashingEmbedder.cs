namespace OllamaSimulator;

/// <summary>
/// Deterministic embeddings by feature hashing: each content word (weight 1) and each pair of adjacent content
/// words (weight 0.5) adds ±weight to one of <c>dimensions</c> buckets chosen by a 64-bit FNV-1a hash; the vector
/// is then L2-normalised (as Ollama's /api/embed does). Texts sharing words therefore have a higher cosine similarity. Text without content
/// words falls back to all its words, and empty text to a fixed token.
/// </summary>
internal sealed class HashingEmbedder(SimulatorOptions options)
{
    private const ulong FnvOffset = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    public int Dimensions => options.EmbeddingDimensions;

    /// <param name="dimensions">
    /// Ollama's <c>dimensions</c> (a smaller size). Real models truncate; hashed vectors would lose most features
    /// that way, so the simulator hashes into that many buckets instead.
    /// </param>
    public float[] Embed(string text, int? dimensions = null)
    {
        var vector = new float[dimensions is > 0 ? Math.Min(dimensions.Value, Dimensions) : Dimensions];
        var words = TextAnalysis.ContentWords(text);
        if (words.Count == 0)
        {
            words = TextAnalysis.Words(text);
        }

        if (words.Count == 0)
        {
            words = ["<empty>"];
        }

        for (var i = 0; i < words.Count; i++)
        {
            Add(vector, words[i], 1f);
            if (i > 0)
            {
                Add(vector, words[i - 1] + " " + words[i], 0.5f);
            }
        }

        return Normalise(vector);
    }

    private static void Add(float[] vector, string feature, float weight)
    {
        var hash = FnvOffset;
        foreach (var c in feature)
        {
            hash = (hash ^ c) * FnvPrime;
        }

        var bucket = (int)(hash % (ulong)vector.Length);
        vector[bucket] += (hash >> 63) == 0 ? weight : -weight;
    }

    private static float[] Normalise(float[] vector)
    {
        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }
}
