using System.ComponentModel.DataAnnotations;
using ServiceDefaults.Resilience;
using ChatService.Llm;

namespace ChatService.Chroma;

/// <summary>Chroma budgets (section <c>Chroma</c>); the base URL comes from <c>services:chroma:http:0</c>.</summary>
public sealed class ChromaOptions
{
    public const string Section = "Chroma";

    /// <summary>Each call attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a call (every call we make is idempotent: upsert with fixed ids, query, delete).</summary>
    [Range(0, 5)]
    public int Retries { get; set; } = 1;

    [Required]
    public string Tenant { get; set; } = "default_tenant";

    [Required]
    public string Database { get; set; } = "default_database";

    /// <summary>Collections are named <c>{prefix}-{embedding model}</c>: one per model, as dimensions differ.</summary>
    [Required, RegularExpression("^[a-zA-Z0-9][a-zA-Z0-9._-]{1,100}$")]
    public string CollectionPrefix { get; set; } = "chunks";

    /// <summary>Readiness probe of <c>/api/v2/heartbeat</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:00:02")]
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest Chroma response body read (a query answers ids and distances: a few KiB); beyond it the call fails.</summary>
    [Range(4096, 256 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>
    /// Most vector queries of concurrent turns with the same filter sent as one request (<see cref="ChromaQueryBatcher"/>);
    /// 1 sends each query on its own.
    /// </summary>
    [Range(1, 64)]
    public int MaxQueryBatch { get; set; } = 16;

    public BreakerOptions Breaker { get; set; } = new();
}
