using System.Diagnostics.Metrics;
using DistributorService.Delivery;
using ServiceDefaults.Resilience;

namespace DistributorService.Telemetry;

/// <summary>
/// Meter <c>DistributorService</c>: attempts by status and error code, finished distributions by status, accepted→delivered
/// latency, and gauges (distributions by status, dead letters, breaker state per destination) fed from a periodic snapshot.
/// </summary>
public sealed class DistributorMetrics
{
    public const string MeterName = "DistributorService";

    private readonly Counter<long> _accepted;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _latency;
    private readonly Histogram<double> _attemptDuration;
    private readonly Histogram<int> _ledgerBatch;
    private readonly Counter<long> _deferred;
    private volatile DistributionCounts _counts = DistributionCounts.Empty;
    private long _deliveredHere;
    private long _deferredHere;

    public DistributorMetrics(IMeterFactory meterFactory, CircuitBreakerRegistry breakers)
    {
        var meter = meterFactory.Create(MeterName);
        _accepted = meter.CreateCounter<long>("distributor.events.accepted", "{event}", "Events accepted by intake.");
        _attempts = meter.CreateCounter<long>("distributor.attempts", "{attempt}", "Delivery attempts by status and error code.");
        _finished = meter.CreateCounter<long>("distributor.distributions.finished", "{distribution}",
            "Distributions that reached a final status.");
        _latency = meter.CreateHistogram<double>("distributor.delivery.latency", "s", "From event accepted to delivered.",
            advice: new InstrumentAdvice<double>
            {
                HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
            });
        _deferred = meter.CreateCounter<long>("distributor.deliveries.deferred", "{delivery}",
            "Deliveries put back in the queue because their destination's share of the workers was taken (DestinationSlots).");
        _attemptDuration = meter.CreateHistogram<double>("distributor.attempt.duration", "s", "Duration of one HTTP attempt.");
        _ledgerBatch = meter.CreateHistogram<int>("distributor.ledger.batch.size", "{item}",
            "Attempt claims and records written per round trip (DeliveryLedger); outcome split means the batch failed and each item " +
            "went alone.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
        meter.CreateObservableGauge("distributor.distributions", () =>
            _counts.ByStatus.Select(kv => new Measurement<long>(kv.Value, new KeyValuePair<string, object?>("status", kv.Key))),
            "{distribution}", "Distributions by status (periodic snapshot).");
        meter.CreateObservableGauge("distributor.dead_letters", () => _counts.DeadLetters, "{distribution}",
            "Dead-lettered distributions.");
        meter.CreateObservableGauge("distributor.breaker.state", () => breakers.All
                .Where(b => b.Name.StartsWith("destination:", StringComparison.Ordinal))
                .Select(b => new Measurement<int>(BreakerValue(b.State),
                    new KeyValuePair<string, object?>("destination", b.Name["destination:".Length..]))),
            null, "Breaker state per destination: 0 closed, 1 half-open, 2 open, 3 isolated.");
    }

    public DistributionCounts Counts => _counts;

    /// <summary>Distributions this instance delivered since it started.</summary>
    public long DeliveredHere => Interlocked.Read(ref _deliveredHere);

    /// <summary>Deliveries this instance deferred because their destination's share of the workers was taken.</summary>
    public long DeferredHere => Interlocked.Read(ref _deferredHere);

    public void Deferred(Guid destinationId)
    {
        Interlocked.Increment(ref _deferredHere);
        _deferred.Add(1, new KeyValuePair<string, object?>("destination", destinationId.ToString()));
    }

    public void Accepted(int distributions) => _accepted.Add(1, new KeyValuePair<string, object?>("distributions", distributions > 0));

    public void LedgerBatch(int items, bool written) =>
        _ledgerBatch.Record(items, new KeyValuePair<string, object?>("outcome", written ? "written" : "split"));

    public void AttemptFinished(DeliveryOutcome outcome)
    {
        var status = outcome.Succeeded ? "succeeded" : outcome.Retryable ? "retryable" : "failed";
        _attempts.Add(1, new KeyValuePair<string, object?>("status", status),
            new KeyValuePair<string, object?>("error.code", outcome.ErrorCode ?? "none"));
        _attemptDuration.Record(outcome.Duration.TotalSeconds, new KeyValuePair<string, object?>("status", status));
    }

    public void DistributionFinished(string status, Guid destinationId, TimeSpan? acceptedToDelivered)
    {
        _finished.Add(1, new KeyValuePair<string, object?>("status", status));
        if (acceptedToDelivered is { } latency)
        {
            Interlocked.Increment(ref _deliveredHere);
            _latency.Record(Math.Max(0, latency.TotalSeconds), new KeyValuePair<string, object?>("destination", destinationId.ToString()));
        }
    }

    public void Update(DistributionCounts counts) => _counts = counts;

    private static int BreakerValue(string state) => state switch
    {
        "Closed" => 0,
        "HalfOpen" => 1,
        "Open" => 2,
        _ => 3,
    };
}
