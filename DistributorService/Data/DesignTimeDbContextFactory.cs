using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace DistributorService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the service's configuration.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<DistributorDbContext>
{
    public DistributorDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<DistributorDbContext>()
            .UseNpgsql("Host=localhost;Database=distdb_design;Username=postgres")
            .Options);
}
