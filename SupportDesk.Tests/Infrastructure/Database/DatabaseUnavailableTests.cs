using System.Net.Sockets;
using Npgsql;
using SupportDesk.Infrastructure.Database;

namespace SupportDesk.Tests.Infrastructure.Database;

/// <summary>Which database failures count as "unavailable" (503 with Retry-After): by class, not by instance.</summary>
public sealed class DatabaseUnavailableTests(AppFixture app)
{
    [Theory]
    [InlineData("57P01", true)] // admin_shutdown: a fast restart terminates the session
    [InlineData("57P02", true)] // crash_shutdown
    [InlineData("57P03", true)] // cannot_connect_now: starting up or shutting down
    [InlineData("08006", true)] // connection_failure, and the rest of class 08
    [InlineData("08P01", true)]
    [InlineData("53300", true)] // too_many_connections, and the rest of class 53
    [InlineData("53200", true)]
    [InlineData("57014", false)] // query_canceled has its own answer
    [InlineData("40001", false)] // serialization failure: a conflict, not an outage
    [InlineData("23505", false)]
    [InlineData("22021", false)]
    public void A_server_error_is_unavailable_by_its_sqlstate_class(string sqlState, bool unavailable) =>
        Assert.Equal(unavailable, PostgresErrors.IsUnavailable(new PostgresException("test", "FATAL", "FATAL", sqlState)));

    [Fact]
    public void A_lost_or_refused_connection_is_unavailable()
    {
        Assert.True(PostgresErrors.IsUnavailable(new NpgsqlException("Exception while reading from stream", new EndOfStreamException())));
        Assert.True(PostgresErrors.IsUnavailable(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(PostgresErrors.IsUnavailable(new InvalidOperationException("wrapped", new PostgresException("test", "FATAL", "FATAL", "57P01"))));
        Assert.False(PostgresErrors.IsUnavailable(new InvalidOperationException("Connection is busy")));
    }

    [Fact]
    public async Task No_pool_connection_within_the_timeout_is_unavailable()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(app.Database.ConnectionString) { MaxPoolSize = 1, Timeout = 1 }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var held = await dataSource.OpenConnectionAsync();

        var exhausted = await Assert.ThrowsAnyAsync<NpgsqlException>(async () => await dataSource.OpenConnectionAsync());

        Assert.True(PostgresErrors.IsUnavailable(exhausted));
    }
}
