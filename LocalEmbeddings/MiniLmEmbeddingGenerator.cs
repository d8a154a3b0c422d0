using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.AI;

namespace LocalEmbeddings;

/// <summary>
/// all-MiniLM-L6-v2 in process behind <see cref="IEmbeddingGenerator{TInput,TEmbedding}"/>. CPU-bound work is kept off
/// the request path's back: at most <see cref="LocalEmbeddingOptions.MaxConcurrency"/> inferences run at once (each on
/// one thread-pool thread with <see cref="LocalEmbeddingOptions.IntraOpThreads"/> ONNX threads), the rest wait for a
/// turn and give it up when cancelled; a call is cut into batches of <see cref="LocalEmbeddingOptions.BatchSize"/> and
/// the token is checked between them. The model itself is the process's one <see cref="MiniLmModel"/>.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ProviderName = "embedded";

    private readonly LocalEmbeddingOptions _options;
    private readonly SemaphoreSlim _turns;
    private readonly Histogram<double>? _wait;
    private readonly Histogram<double>? _batch;
    private readonly Counter<long>? _texts;
    private readonly EmbeddingGeneratorMetadata _metadata =
        new(ProviderName, providerUri: null, defaultModelId: MiniLmModel.ModelName, defaultModelDimensions: MiniLmModel.Dimensions);

    /// <param name="meters">Instruments <c>embeddings.local.*</c> on meter <paramref name="meterName"/> (null: none).</param>
    public MiniLmEmbeddingGenerator(LocalEmbeddingOptions options, IMeterFactory? meters = null, string meterName = "LocalEmbeddings")
    {
        _options = options;
        _turns = new SemaphoreSlim(options.MaxConcurrency, options.MaxConcurrency);
        if (meters is not null)
        {
            var meter = meters.Create(meterName);
            var buckets = new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10],
            };
            _wait = meter.CreateHistogram("embeddings.local.wait", "s", "Time a call waited for a free inference turn",
                advice: buckets);
            _batch = meter.CreateHistogram("embeddings.local.batch.duration", "s", "One in-process inference (a batch of texts)",
                advice: buckets);
            _texts = meter.CreateCounter<long>("embeddings.local.texts", description: "Texts embedded in process");
        }
    }

    /// <summary>Calls waiting for a turn right now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    private int _waiting;

    public async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values,
        EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(values);
        var texts = values as IReadOnlyList<string> ?? values.ToList();
        var result = new GeneratedEmbeddings<Embedding<float>>(texts.Count);
        for (var start = 0; start < texts.Count; start += _options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = new string[Math.Min(_options.BatchSize, texts.Count - start)];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = texts[start + i];
            }

            var vectors = await EncodeAsync(batch, cancellationToken);
            var created = DateTimeOffset.UtcNow;
            result.AddRange(vectors.Select(v => new Embedding<float>(v) { ModelId = MiniLmModel.ModelName, CreatedAt = created }));
        }

        return result;
    }

    private async Task<float[][]> EncodeAsync(string[] batch, CancellationToken cancellationToken)
    {
        var waitStarted = Stopwatch.GetTimestamp();
        Interlocked.Increment(ref _waiting);
        try
        {
            await _turns.WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        try
        {
            _wait?.Record(Stopwatch.GetElapsedTime(waitStarted).TotalSeconds);
            var threads = _options.IntraOpThreads;
            // why: ONNX inference is synchronous CPU work; the turn above bounds how many pool threads it can hold
            return await Task.Run(() =>
            {
                var started = Stopwatch.GetTimestamp();
                var vectors = MiniLmModel.Shared(threads).Encode(batch, cancellationToken);
                _batch?.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                _texts?.Add(batch.Length);
                return vectors;
            }, cancellationToken);
        }
        finally
        {
            _turns.Release();
        }
    }

    /// <summary>Loads the model now (on a pool thread) and runs one tiny inference, so the first real call is fast.</summary>
    public Task WarmUpAsync(CancellationToken cancellationToken) =>
        EncodeAsync(["warm up"], cancellationToken);

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() => _turns.Dispose();
}
