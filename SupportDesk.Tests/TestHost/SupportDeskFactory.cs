using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace SupportDesk.Tests.TestHost;

/// <summary>The real app (real pipeline, real PostgreSQL) on the test server, configured through its environment keys.</summary>
public sealed class SupportDeskFactory(IReadOnlyDictionary<string, string?> settings) : WebApplicationFactory<Program>
{
    public const string JwtSecret = "test-secret-that-is-long-enough-for-hs256-0123456789";

    public static Dictionary<string, string?> DefaultSettings(string databaseUrl) => new()
    {
        ["DATABASE_URL"] = databaseUrl,
        ["JWT_SECRET"] = JwtSecret,
        ["JWT_EXPIRATION"] = "3600",
        // The lowest bcrypt cost keeps hundreds of sign-ups fast; production defaults to 12.
        ["BCRYPT_WORK_FACTOR"] = "4",
        ["LOG_LEVEL"] = "warn",
        // The whole suite shares one client address; rate limits get tests of their own.
        ["RATE_LIMIT_PER_MINUTE"] = "10000000",
        ["RATE_LIMIT_AUTH_PER_MINUTE"] = "10000000",
        ["RATE_LIMIT_SIGN_IN_FAILURES_PER_HOUR"] = "10000000",
        ["RATE_LIMIT_RESET_EMAILS_PER_HOUR"] = "10000000",
        // Out of the repository, one directory per database (each app's cleanup sweeps only its own files).
        ["ATTACHMENTS_PATH"] = Path.Combine(TestAttachmentsRoot, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(databaseUrl)))[..16]),
    };

    public static readonly string TestAttachmentsRoot = Path.Combine(Path.GetTempPath(), "supportdesk-tests", $"attachments-{Environment.ProcessId}");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        foreach (var (key, value) in settings)
            builder.UseSetting(key, value);
    }
}
