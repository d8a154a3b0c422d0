using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace EvaluationService.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without the service's configuration.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<EvaluationDbContext>
{
    public EvaluationDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<EvaluationDbContext>()
            .UseNpgsql("Host=localhost;Database=evaldb_design;Username=postgres")
            .Options);
}
