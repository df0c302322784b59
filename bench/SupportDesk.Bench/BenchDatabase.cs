using Dapper;
using Npgsql;

namespace SupportDesk.Bench;

/// <summary>Each mode's own throwaway database: dropped (connections and all) and created empty.</summary>
internal static class BenchDatabase
{
    public static async Task RecreateAsync(string serverConnectionString, string database)
    {
        await using var admin = new NpgsqlConnection(serverConnectionString);
        await admin.OpenAsync();
        await admin.ExecuteAsync($"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        await admin.ExecuteAsync($"CREATE DATABASE \"{database}\"");
    }
}
