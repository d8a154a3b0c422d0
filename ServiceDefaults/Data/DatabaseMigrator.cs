using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ServiceDefaults.Data;

/// <summary>
/// Applies committed migrations before the service takes traffic. Retries while PostgreSQL is still coming up
/// (containers start in any order) and gives up after <see cref="DatabaseOptions.MigrationTimeout"/>, failing start-up.
/// </summary>
internal sealed class DatabaseMigrator<TContext>(
    IServiceScopeFactory scopes,
    IOptions<DatabaseOptions> options,
    TimeProvider time,
    ILogger<DatabaseMigrator<TContext>> logger) : IHostedService
    where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Value.MigrationTimeout);
        var delay = TimeSpan.FromMilliseconds(250);
        while (true)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var context = scope.ServiceProvider.GetRequiredService<TContext>();
                await context.Database.MigrateAsync(budget.Token);
                logger.LogInformation("Database of {DbContext} is migrated", typeof(TContext).Name);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && !budget.IsCancellationRequested)
            {
                logger.LogWarning("Database of {DbContext} not reachable yet ({Error}); retrying", typeof(TContext).Name, ex.Message);
                await Task.Delay(delay, time, budget.Token);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
