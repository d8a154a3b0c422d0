using Npgsql;

namespace ServiceDefaults.Problems;

/// <summary>
/// What a database failure means for the caller. Only a transient failure (the server unreachable, restarting, out of
/// connections, a timeout) is an outage (503, retry later); input PostgreSQL refused is the caller's fault (400/409)
/// and a retry would fail the same way.
/// </summary>
public static class DatabaseErrors
{
    /// <summary>The status, code and title for <paramref name="exception"/> (or one it wraps), or null when no database error is
    /// involved.</summary>
    public static (int Status, string Code, string Title)? Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException pg when pg.SqlState is "22021" or "22P05" or "22P02":
                    return (400, ErrorCodes.InvalidText, "The request contains text the database cannot store");
                case PostgresException { SqlState: "22001" }:
                    return (400, ErrorCodes.ValueTooLong, "A value is longer than allowed");
                case PostgresException pg when pg.SqlState.StartsWith("23", StringComparison.Ordinal):
                    return (409, ErrorCodes.ConstraintViolation, "The request conflicts with stored data");
                case PostgresException { IsTransient: true }:
                    return (503, ErrorCodes.DependencyUnavailable, "A dependency is unavailable");
                case PostgresException:
                    // A statement the server refused for another reason is a defect, not an outage: 500, logged with its stack.
                    return (500, ErrorCodes.InternalError, "An unexpected error occurred");
                case NpgsqlException:
                    // Client side: the connection could not be opened or was lost, a timeout, the pool exhausted.
                    return (503, ErrorCodes.DependencyUnavailable, "A dependency is unavailable");
                case Microsoft.EntityFrameworkCore.Storage.RetryLimitExceededException:
                    return (503, ErrorCodes.DependencyUnavailable, "A dependency is unavailable");
            }
        }

        return null;
    }
}
