using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.TestHost;

/// <summary>A real PostgreSQL database with a random name on the server scripts/test started; dropped on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private const string DefaultServer = "postgres://postgres@127.0.0.1:55432/postgres";

    private readonly string _serverConnectionString;

    private TestDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name, Pooling = true }.ConnectionString;
        var csb = new NpgsqlConnectionStringBuilder(ConnectionString);
        Url = $"postgres://{Uri.EscapeDataString(csb.Username ?? "postgres")}"
            + (string.IsNullOrEmpty(csb.Password) ? "" : ":" + Uri.EscapeDataString(csb.Password))
            + $"@{csb.Host}:{csb.Port}/{name}";
    }

    public string Name { get; }
    public string ConnectionString { get; }
    /// <summary>The same database as a postgres:// URL, the form the spec's DATABASE_URL uses.</summary>
    public string Url { get; }

    public static async Task<TestDatabase> CreateAsync(string prefix = "sd_test")
    {
        var server = Environment.GetEnvironmentVariable("TEST_DATABASE_URL") is { Length: > 0 } url ? url : DefaultServer;
        var serverConnectionString = DatabaseUrl.ToConnectionString(server);
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        var database = new TestDatabase(serverConnectionString, name);

        await using var connection = new NpgsqlConnection(serverConnectionString);
        try
        {
            await connection.OpenAsync();
        }
        catch (NpgsqlException e)
        {
            throw new InvalidOperationException(
                $"No PostgreSQL at {server}: run the tests with scripts/test, which starts one ({e.Message})", e);
        }
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection))
            await create.ExecuteNonQueryAsync();
        // Test data is throw-away: skip waiting for the WAL flush on commit.
        await using (var fast = new NpgsqlCommand($"ALTER DATABASE \"{name}\" SET synchronous_commit = off", connection))
            await fast.ExecuteNonQueryAsync();
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
