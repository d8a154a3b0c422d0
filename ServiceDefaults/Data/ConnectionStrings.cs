using Microsoft.Extensions.Configuration;
using Npgsql;

namespace ServiceDefaults.Data;

/// <summary>Reads connection strings exactly as Aspire injects them and fails start-up naming the variable.</summary>
public static class ConnectionStrings
{
    public static string Required(IConfiguration configuration, string name)
    {
        var value = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"Connection string '{name}' is missing: set the environment variable ConnectionStrings__{name}.");
        }

        return value;
    }

    /// <summary>The PostgreSQL connection string with the pool and timeout budgets of <paramref name="options"/> applied.</summary>
    public static string Postgres(IConfiguration configuration, string name, DatabaseOptions options)
    {
        var raw = Required(configuration, name);
        NpgsqlConnectionStringBuilder csb;
        try
        {
            csb = new NpgsqlConnectionStringBuilder(raw);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidOperationException(
                $"Connection string ConnectionStrings__{name} is malformed: {ex.Message}", ex);
        }

        if (string.IsNullOrEmpty(csb.Host) || string.IsNullOrEmpty(csb.Database))
        {
            throw new InvalidOperationException(
                $"Connection string ConnectionStrings__{name} must name a Host and a Database.");
        }

        csb.MaxPoolSize = options.MaxPoolSize;
        csb.Timeout = DatabaseOptions.WholeSeconds(options.PoolWait);
        csb.CommandTimeout = DatabaseOptions.WholeSeconds(options.CommandTimeout);
        csb.MaxAutoPrepare = options.MaxAutoPrepare;
        csb.AutoPrepareMinUsages = options.AutoPrepareMinUsages;
        csb.NoResetOnClose = !options.ResetOnClose;
        return csb.ConnectionString;
    }
}
