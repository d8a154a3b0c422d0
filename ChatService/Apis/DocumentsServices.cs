using ChatService.Chroma;
using ChatService.Data;
using ChatService.Ingestion;
using DurableJobs;
using Microsoft.Extensions.Options;

namespace ChatService.Apis;

/// <summary>What the document handlers need, bundled for <c>[AsParameters]</c>.</summary>
public sealed record DocumentsServices(
    ChatDbContext Db,
    IJobScheduler Jobs,
    ChromaClient Chroma,
    IOptions<IngestionOptions> Options,
    TimeProvider Time,
    ILogger<DocumentsServices> Logger);
