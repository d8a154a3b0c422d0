using DurableJobs.Storage;
using Microsoft.EntityFrameworkCore;

namespace DurableJobs;

/// <summary>Adds the job table to a service's own model.</summary>
public static class DurableJobsModelBuilderExtensions
{
    /// <summary>
    /// Maps <see cref="JobRecord"/> to table <c>jobs</c> with its claim indexes. Call it from the service's
    /// <c>OnModelCreating</c>; the service's migrations then create the table.
    /// </summary>
    public static ModelBuilder ApplyDurableJobs(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        return modelBuilder.ApplyConfiguration(new JobRecordConfiguration());
    }
}
