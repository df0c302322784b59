using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// bcrypt hashing and verification. Each call burns a core for its work factor, so at most one call per core
/// runs at once; the rest wait asynchronously and hold no thread, keeping other users' requests moving.
/// The work runs on a thread of its own, not the thread pool: a pool thread held for the whole hash (hundreds of ms)
/// starved every other request while logins were hammered (bench/README.md, throughput).
/// </summary>
public sealed class PasswordHasher(AppSettings settings)
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount), Math.Max(1, Environment.ProcessorCount));
    private readonly Lazy<string> _dummyHash = new(() => BCrypt.Net.BCrypt.HashPassword(Guid.NewGuid().ToString(), settings.Auth.BcryptWorkFactor));

    public Task<string> HashAsync(string password, CancellationToken cancellationToken) =>
        RunAsync(() => BCrypt.Net.BCrypt.HashPassword(password, settings.Auth.BcryptWorkFactor), cancellationToken);

    /// <summary>Verifies against the stored hash, or against a dummy hash when there is none, so both take the same time.</summary>
    public Task<bool> VerifyAsync(string password, string? hash, CancellationToken cancellationToken) =>
        RunAsync(() =>
        {
            var ok = BCrypt.Net.BCrypt.Verify(password, hash ?? _dummyHash.Value);
            return ok && hash is not null;
        }, cancellationToken);

    private async Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return await Task.Factory.StartNew(work, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        finally
        {
            _slots.Release();
        }
    }
}
