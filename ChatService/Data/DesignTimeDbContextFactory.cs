using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace ChatService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the service's configuration.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<ChatDbContext>
{
    public ChatDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ChatDbContext>()
            .UseNpgsql("Host=localhost;Database=chatdb_design")
            .Options);
}
