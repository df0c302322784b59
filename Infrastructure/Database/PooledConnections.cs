using Npgsql;

namespace SupportDesk.Infrastructure.Database;

/// <summary>
/// A second connection for a request that already holds one, to run statements side by side. Taken only if the pool
/// has one to give at once: a request that held its connection while waiting for another could, with the pool drained
/// by such requests, wait on the others until the pool's timeout failed every one of them. Without it, the caller runs
/// its statements one after the other on the connection it has.
/// </summary>
public static class PooledConnections
{
    public static readonly TimeSpan BorrowWait = TimeSpan.FromMilliseconds(50);

    public static async Task<NpgsqlConnection?> TryBorrowAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(BorrowWait);
        try
        {
            return await dataSource.OpenConnectionAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }
}
