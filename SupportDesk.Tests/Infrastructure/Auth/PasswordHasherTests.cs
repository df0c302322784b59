using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.Infrastructure.Auth;

public sealed class PasswordHasherTests
{
    private static PasswordHasher Hasher(int workFactor) => new(new AppSettings
    {
        Port = 3000, ConnectionString = "Host=x", MigrateOnStartup = false, CorsOrigins = ["*"], LogLevel = "info", ApiDocs = false,
        Auth = new AuthSettings { JwtSecret = new byte[32], BcryptWorkFactor = workFactor },
    });

    [Fact]
    public async Task Hashes_with_the_configured_work_factor_and_verifies()
    {
        var hasher = Hasher(5);
        var hash = await hasher.HashAsync("s3cret-password", CancellationToken.None);
        Assert.StartsWith("$2a$05$", hash);
        Assert.True(await hasher.VerifyAsync("s3cret-password", hash, CancellationToken.None));
        Assert.False(await hasher.VerifyAsync("other-password", hash, CancellationToken.None));
    }

    [Fact]
    public async Task Verifying_without_a_stored_hash_does_the_work_and_says_no()
    {
        // The unknown-email path of login: a dummy hash is checked so the answer costs the same time.
        var hasher = Hasher(4);
        Assert.False(await hasher.VerifyAsync("anything", null, CancellationToken.None));
    }

    [Fact]
    public async Task Many_parallel_hashes_all_complete()
    {
        var hasher = Hasher(4);
        var hashes = await Task.WhenAll(Enumerable.Range(0, 32).Select(i => hasher.HashAsync($"password-{i}", CancellationToken.None)));
        Assert.Equal(32, hashes.Distinct().Count());
    }
}
