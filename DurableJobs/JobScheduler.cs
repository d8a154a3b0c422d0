using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DurableJobs.Dispatch;
using DurableJobs.Monitoring;
using DurableJobs.Storage;
using DurableJobs.Workers;
using Microsoft.Extensions.Options;
using Npgsql;

namespace DurableJobs;

/// <summary>Scoped <see cref="IJobScheduler"/> over the service's DbContext.</summary>
internal sealed class JobScheduler(
    JobStore store,
    QueueRegistry registry,
    IOptionsMonitor<QueueOptions> queueOptions,
    PendingDispatches pending,
    JobDispatcher dispatcher,
    RunningJobs running,
    JobTelemetry telemetry) : IJobScheduler
{
    private const int MaxKeyLength = 200;

    public async Task<EnqueueResult> EnqueueAsync(JobRequest request, CancellationToken cancellationToken)
    {
        var job = Validate(request);
        using var activity = telemetry.StartEnqueue(job.Queue);
        activity?.SetTag("messaging.message.id", job.Id.ToString());
        job = job with { TraceParent = Activity.Current?.Id };

        var (snapshot, created) = await store.InsertAsync(job, cancellationToken).ConfigureAwait(false);
        if (!created)
        {
            activity?.SetTag("jobs.idempotent_replay", true);
            return new EnqueueResult(snapshot, false);
        }

        telemetry.Enqueued(job.Queue);
        var item = new DispatchItem(snapshot.Id, snapshot.Queue);
        if (store.Context.Database.CurrentTransaction is not null)
        {
            pending.AwaitCommit(store.Context, item);
        }
        else
        {
            // Not the caller's token: the row is committed, so the dispatch (bounded, best effort) must not turn into an error.
            // why: see the comment above; bounded by RedisLink
            await dispatcher.DispatchAsync([item], CancellationToken.None).ConfigureAwait(false);
        }

        return new EnqueueResult(snapshot, true);
    }

    public JobRecord Stage(JobRequest request)
    {
        var job = Validate(request);
        var record = new JobRecord
        {
            Id = job.Id,
            Queue = job.Queue,
            State = JobState.Queued,
            Owner = job.Owner,
            Payload = job.Payload,
            IdempotencyKey = job.IdempotencyKey,
            Attempt = 0,
            MaxAttempts = job.MaxAttempts,
            TimeoutMs = (long)job.Timeout.TotalMilliseconds,
            TraceParent = Activity.Current?.Id,
        };
        store.Context.Add(record);
        return record;
    }

    public (NpgsqlBatchCommand Command, IReadOnlyList<Guid> Ids) StageCommand(IReadOnlyList<JobRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (store.Context.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("StageCommand needs a transaction opened through the DbContext: the jobs are dispatched " +
                "when it commits.");
        }

        var traceParent = Activity.Current?.Id;
        var jobs = requests.Select(r => Validate(r) with { TraceParent = traceParent }).ToList();
        foreach (var job in jobs)
        {
            pending.AwaitCommit(store.Context, new DispatchItem(job.Id, job.Queue));
        }

        foreach (var queue in jobs.GroupBy(j => j.Queue, StringComparer.Ordinal))
        {
            telemetry.Enqueued(queue.Key, queue.Count());
        }

        return (store.InsertManyCommand(jobs), jobs.Select(j => j.Id).ToList());
    }

    public Task<EnqueueResult> EnqueueAsync<TJob>(TJob job, EnqueueOptions options, CancellationToken cancellationToken)
        where TJob : notnull => EnqueueAsync(Request(job, options), cancellationToken);

    public JobRecord Stage<TJob>(TJob job, EnqueueOptions options)
        where TJob : notnull => Stage(Request(job, options));

    public (NpgsqlBatchCommand Command, IReadOnlyList<Guid> Ids) StageCommand<TJob>(IReadOnlyList<(TJob Job, EnqueueOptions Options)> jobs)
        where TJob : notnull
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return StageCommand([.. jobs.Select(j => Request(j.Job, j.Options))]);
    }

    public async Task DispatchAsync(IEnumerable<Guid> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        var ids = jobIds.Distinct().ToArray();
        if (ids.Length == 0)
        {
            return;
        }

        var items = await store.FindQueuedAsync(ids, cancellationToken).ConfigureAwait(false);
        await dispatcher.DispatchAsync(items, cancellationToken).ConfigureAwait(false);
    }

    public Task<JobSnapshot?> GetAsync(Guid jobId, CancellationToken cancellationToken) => store.GetAsync(jobId, cancellationToken);

    public Task<int> DiscardDeadLettersAsync(IReadOnlyCollection<Guid> jobIds, CancellationToken cancellationToken) =>
        jobIds.Count == 0 ? Task.FromResult(0) : store.DiscardDeadLettersAsync([.. jobIds], cancellationToken);

    public async Task<bool> CancelAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var state = await store.CancelAsync(jobId, cancellationToken).ConfigureAwait(false);
        if (state is null)
        {
            return false;
        }

        if (state == JobState.Running && !running.RequestCancel(jobId))
        {
            await dispatcher.PublishCancelAsync(jobId, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }

    private JobRequest Request<TJob>(TJob job, EnqueueOptions options)
        where TJob : notnull
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(options);
        return new JobRequest(registry.QueueOf(typeof(TJob)), JsonSerializer.SerializeToElement(job, JsonSerializerOptions.Web),
            options.Owner, options.IdempotencyKey, options.Timeout, options.MaxAttempts);
    }

    private NewJob Validate(JobRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Queue) || !registry.Contains(request.Queue))
        {
            throw new JobValidationException($"Unknown queue '{request.Queue}'.");
        }

        var options = queueOptions.Get(request.Queue);
        var payload = request.Payload.ValueKind == JsonValueKind.Undefined ? "null" : request.Payload.GetRawText();
        var size = Encoding.UTF8.GetByteCount(payload);
        if (size > options.MaxPayloadBytes)
        {
            throw new JobValidationException($"Payload of {size} bytes exceeds the {options.MaxPayloadBytes}-byte limit of queue " +
                $"'{request.Queue}'.");
        }

        var timeout = request.Timeout ?? options.DefaultTimeout;
        if (timeout <= TimeSpan.Zero || timeout > options.MaxTimeout)
        {
            throw new JobValidationException($"Timeout must be greater than zero and at most {options.MaxTimeout} for queue " +
                $"'{request.Queue}'.");
        }

        var maxAttempts = request.MaxAttempts ?? options.MaxAttempts;
        if (maxAttempts < 1 || maxAttempts > options.MaxAttemptsLimit)
        {
            throw new JobValidationException($"MaxAttempts must be between 1 and {options.MaxAttemptsLimit} for queue '{request.Queue}'.");
        }

        if (request.IdempotencyKey is { } key && (key.Length == 0 || key.Length > MaxKeyLength))
        {
            throw new JobValidationException($"An idempotency key must have 1 to {MaxKeyLength} characters.");
        }

        if (request.Owner is { Length: > MaxKeyLength })
        {
            throw new JobValidationException($"An owner must have at most {MaxKeyLength} characters.");
        }

        return new NewJob(Guid.CreateVersion7(), request.Queue, payload, request.Owner, request.IdempotencyKey, maxAttempts, timeout, null);
    }
}
