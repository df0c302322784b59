using System.Data;
using Dapper;
using Npgsql;

namespace SupportDesk.Infrastructure.Database;

/// <summary>
/// Hot single-row reads as explicitly prepared statements. Auto-prepare stays off (DatabaseSetup: a preparing run that
/// fails in Bind poisons the connection); an explicit Prepare learns the result's columns before any Bind, so it cannot.
/// Npgsql keeps the statement prepared on the physical connection, so after the first use Prepare is a lookup.
/// </summary>
public static class PreparedQueries
{
    public static async Task<T?> QueryPreparedSingleOrDefaultAsync<T>(this NpgsqlConnection connection, string sql,
        IReadOnlyList<(string Name, object Value)> parameters, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var (name, value) in parameters)
            command.Parameters.AddWithValue(name, value);
        await command.PrepareAsync(ct);
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, ct);
        if (!await reader.ReadAsync(ct))
            return default;
        // Dapper's mapping for the row (snake_case columns to properties), as QuerySingleOrDefault would apply it.
        return reader.GetRowParser<T>()(reader);
    }
}
