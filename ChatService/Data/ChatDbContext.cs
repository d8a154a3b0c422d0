using DurableJobs;
using Microsoft.EntityFrameworkCore;

namespace ChatService.Data;

/// <summary>The ChatService database (`chatdb`): its own entities plus the durable job table.</summary>
public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public DbSet<ChatSession> Sessions => Set<ChatSession>();

    public DbSet<ChatMessage> Messages => Set<ChatMessage>();

    public DbSet<Document> Documents => Set<Document>();

    public DbSet<DocumentContent> DocumentContents => Set<DocumentContent>();

    public DbSet<DocumentChunk> Chunks => Set<DocumentChunk>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ChatDbContext).Assembly);
        modelBuilder.ApplyDurableJobs();
    }
}
