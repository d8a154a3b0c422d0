using DurableJobs;
using Microsoft.EntityFrameworkCore;

namespace ChatService.Data;

/// <summary>The ChatService database (`chatdb`): its own entities plus the durable job table.</summary>
public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(ChatDbContext).Assembly);
        modelBuilder.ApplyDurableJobs();
    }
}
