using System.Text.RegularExpressions;
using DurableJobs.Workers;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DurableJobs;

/// <summary>Registers the queues of a service (returned by <c>AddDurableJobs</c>).</summary>
public sealed partial class DurableJobsBuilder
{
    private readonly QueueRegistry _registry;
    private readonly Func<IServiceProvider, IConfiguration?> _queuesSection;

    internal DurableJobsBuilder(IServiceCollection services, QueueRegistry registry, Func<IServiceProvider, IConfiguration?> queuesSection)
    {
        Services = services;
        _registry = registry;
        _queuesSection = queuesSection;
    }

    public IServiceCollection Services { get; }

    /// <summary>
    /// Registers a table family with the service's retention pruner (<see cref="Retention.RetentionPruner{TContext}"/>):
    /// rows older than <paramref name="defaultAfter"/> (or <c>Jobs:Retention:Families:&lt;name&gt;:After</c>) are deleted
    /// in small batches by <paramref name="sql"/> (see <see cref="Retention.RetentionFamily"/>).
    /// </summary>
    public DurableJobsBuilder AddRetention(string name, TimeSpan defaultAfter, Func<Microsoft.EntityFrameworkCore.DbContext, string> sql)
    {
        Services.AddSingleton(new Retention.RetentionFamily(name, defaultAfter, sql));
        return this;
    }

    /// <summary>
    /// A queue this process runs: <typeparamref name="THandler"/> (scoped, one instance per attempt) handles its jobs
    /// on a bounded pool. <paramref name="configure"/> sets the service's defaults; <c>Jobs:Queues:&lt;queue&gt;</c> overrides them.
    /// </summary>
    public DurableJobsBuilder AddQueue<THandler>(string queue, Action<QueueOptions>? configure = null)
        where THandler : class, IJobHandler
    {
        Register(queue, configure, runsHere: true);
        Services.AddKeyedScoped<IJobHandler, THandler>(queue);
        Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueWorker>(sp, queue));
        return this;
    }

    /// <summary>
    /// A queue of typed jobs this process runs: <typeparamref name="THandler"/> (scoped, one instance per attempt) gets each
    /// job's payload as a <typeparamref name="TJob"/>, and <c>EnqueueAsync(job)</c> / <c>Stage(job)</c> find the queue from the
    /// job's type, so the name is written once, here. Options as in <see cref="AddQueue{THandler}(string, Action{QueueOptions}?)"/>.
    /// </summary>
    public DurableJobsBuilder AddQueue<TJob, THandler>(string queue, Action<QueueOptions>? configure = null)
        where THandler : class, IJobHandler<TJob>
    {
        Register(queue, configure, runsHere: true);
        _registry.AddJobType(typeof(TJob), queue);
        Services.AddScoped<THandler>();
        Services.AddKeyedScoped<IJobHandler>(queue, (sp, _) => new TypedJobHandler<TJob, THandler>(sp.GetRequiredService<THandler>()));
        Services.AddSingleton<IHostedService>(sp => ActivatorUtilities.CreateInstance<QueueWorker>(sp, queue));
        return this;
    }

    /// <summary>
    /// A queue of typed jobs this process only enqueues into (another process of the same service, sharing its database,
    /// runs it with <see cref="AddQueue{TJob, THandler}(string, Action{QueueOptions}?)"/>).
    /// </summary>
    public DurableJobsBuilder AddEnqueueOnlyQueue<TJob>(string queue, Action<QueueOptions>? configure = null)
    {
        Register(queue, configure, runsHere: false);
        _registry.AddJobType(typeof(TJob), queue);
        return this;
    }

    /// <summary>
    /// A queue this process only enqueues into (another process of the same service, sharing its database, runs it).
    /// The sweeper of this process still re-dispatches its lost dispatches.
    /// </summary>
    public DurableJobsBuilder AddQueue(string queue, Action<QueueOptions>? configure = null)
    {
        Register(queue, configure, runsHere: false);
        return this;
    }

    private void Register(string queue, Action<QueueOptions>? configure, bool runsHere)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (!QueueName().IsMatch(queue))
        {
            throw new ArgumentException($"Queue name '{queue}' must be 1-64 characters of a-z, 0-9, '-', '_' or '.', starting with a " +
                $"letter or digit.", nameof(queue));
        }

        _registry.Add(queue, runsHere);
        var options = Services.AddOptions<QueueOptions>(queue);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var section = _queuesSection;
        options.Configure<IServiceProvider>((o, sp) => section(sp)?.GetSection(queue).Bind(o))
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]{0,63}$")]
    private static partial Regex QueueName();
}
