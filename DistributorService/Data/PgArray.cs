using Npgsql;
using NpgsqlTypes;

namespace DistributorService.Data;

/// <summary>A positional array parameter, for the multi-row statements that <c>unnest</c> one array per column.</summary>
internal static class PgArray
{
    public static NpgsqlParameter Of<T>(IEnumerable<T> values, NpgsqlDbType elementType) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | elementType };
}
