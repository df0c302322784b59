using Microsoft.Extensions.Logging;
using Npgsql;

namespace SupportDesk.Infrastructure.Database;

/// <summary>
/// A background loop's wake-up: LISTENs on one channel so new work is picked up at once, and falls back to waiting the
/// poll interval while the database is away (the loop then finds the work by polling).
/// </summary>
public sealed class NotifyWakeUp(NpgsqlDataSource dataSource, string channel, ILogger logger) : IAsyncDisposable
{
    private NpgsqlConnection? _connection;

    public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            if (_connection is null)
            {
                _connection = await dataSource.OpenConnectionAsync(ct);
                await using var listen = new NpgsqlCommand($"LISTEN {channel}", _connection);
                await listen.ExecuteNonQueryAsync(ct);
            }
            await _connection.WaitAsync(timeout, ct);
        }
        catch (NpgsqlException e)
        {
            logger.LogDebug("LISTEN {Channel} connection lost ({Message}); polling", channel, e.Message);
            await DisposeAsync();
            await Task.Delay(timeout, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
            await _connection.DisposeAsync();
        _connection = null;
    }
}
