using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Infrastructure.Email;

/// <summary>
/// EMAIL_SMTP_SECURITY against a real SMTP server: credentials and mail never go out in plaintext unless `none` says so.
/// Each test has a database of its own (its sender works through every pending row).
/// </summary>
public sealed class EmailSecurityTests
{
    private const string User = "mailer";
    private const string Password = "smtp-password-never-logged-7f3a";

    private static async Task<(SupportDeskFactory Root, WebApplicationFactory<Program> App, CapturedLogs Logs)> StartAsync(
        Dictionary<string, string?> settings, X509Certificate2? trusted = null)
    {
        settings["EMAIL_USERNAME"] = User;
        settings["EMAIL_PASSWORD"] = Password;
        var logs = new CapturedLogs();
        var root = new SupportDeskFactory(settings);
        var app = root.WithWebHostBuilder(b => b.ConfigureTestServices(services =>
        {
            services.AddSingleton<ILoggerProvider>(logs);
            // The test-only seam: trust exactly this self-signed certificate, as a private CA would be trusted in production.
            if (trusted is not null)
                services.AddSingleton(new SmtpCertificateValidation((_, certificate, _, _) => certificate?.GetCertHashString() == trusted.Thumbprint));
        }));
        using var client = app.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
        return (root, app, logs);
    }

    private static async Task<(Guid Id, EmailRecipient Customer)> EnqueueAsync(WebApplicationFactory<Program> app, TestDatabase database)
    {
        await using var db = await EmailTestData.OpenAsync(database.ConnectionString);
        var customer = await EmailTestData.CreateUserAsync(db);
        var id = await EmailTestData.EnqueueCommittedAsync(app.Services.GetRequiredService<EmailOutbox>(), database.ConnectionString,
            new OutgoingEmail(EmailTemplateKeys.PasswordReset, customer.Id, null, new EmailModel { ResetLink = "https://help.example.test/reset?token=t" }));
        return (id!.Value, customer);
    }

    [Fact]
    public async Task Without_starttls_on_the_server_nothing_is_sent_no_auth_is_tried_and_the_row_says_why()
    {
        await using var database = await TestDatabase.CreateAsync("sd_smtp_plain");
        await using var smtp = await SmtpTestServer.StartAsync(requiredLogin: (User, Password));
        var settings = EmailTestData.SmtpSettings(database.Url, smtp.Port);
        settings.Remove("EMAIL_SMTP_SECURITY"); // the default: starttls
        var (root, app, logs) = await StartAsync(settings);
        await using var _ = root;
        await using var __ = app;

        var (id, customer) = await EnqueueAsync(app, database);
        await using var db = await EmailTestData.OpenAsync(database.ConnectionString);
        // Several rounds, so "logged once" means once across retries.
        await EmailTestData.EventuallyAsync(async () => (await EmailTestData.RowAsync(db, id))!.Attempts >= 3, "three refused attempts");

        var row = (await EmailTestData.RowAsync(db, id))!;
        Assert.Null(row.SentAt);
        Assert.Contains("does not offer STARTTLS", row.LastError);
        Assert.Contains("EMAIL_SMTP_SECURITY=none", row.LastError);
        Assert.Empty(smtp.To(customer.Email));
        Assert.Equal(0, smtp.AuthAttempts);
        var entries = logs.Entries.ToArray();
        Assert.Single(entries, e => e.Level == LogLevel.Error && e.Message.Contains("does not offer STARTTLS"));
        Assert.DoesNotContain(entries, e => e.Message.Contains(Password));
    }

    [Fact]
    public async Task Explicit_none_sends_in_plaintext_with_the_credentials()
    {
        await using var database = await TestDatabase.CreateAsync("sd_smtp_none");
        await using var smtp = await SmtpTestServer.StartAsync(requiredLogin: (User, Password));
        var settings = EmailTestData.SmtpSettings(database.Url, smtp.Port);
        settings["EMAIL_SMTP_SECURITY"] = "none";
        var (root, app, _) = await StartAsync(settings);
        await using var _r = root;
        await using var _a = app;

        var (_, customer) = await EnqueueAsync(app, database);

        var received = Assert.Single(await smtp.WaitForAsync(customer.Email));
        Assert.Equal(User, received.AuthenticatedUser);
        Assert.False(received.OverTls);
    }

    [Theory]
    [InlineData("starttls", false)]
    [InlineData("tls", true)]
    public async Task Over_tls_the_credentials_and_the_mail_go_through(string security, bool implicitTls)
    {
        using var certificate = SelfSignedCertificate();
        await using var database = await TestDatabase.CreateAsync("sd_smtp_tls");
        await using var smtp = await SmtpTestServer.StartAsync(requiredLogin: (User, Password), certificate: certificate, implicitTls: implicitTls);
        var settings = EmailTestData.SmtpSettings(database.Url, smtp.Port);
        settings["EMAIL_SMTP_SECURITY"] = security;
        var (root, app, _) = await StartAsync(settings, trusted: certificate);
        await using var _r = root;
        await using var _a = app;

        var (_, customer) = await EnqueueAsync(app, database);

        var received = Assert.Single(await smtp.WaitForAsync(customer.Email));
        Assert.True(received.OverTls);
        Assert.Equal(User, received.AuthenticatedUser);
    }

    private static X509Certificate2 SelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=smtp.test", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        // SslStream on Linux needs the key from a PKCS#12 blob, not the ephemeral one.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Every log entry the app writes, whatever LOG_LEVEL lets through to the console.</summary>
    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Entries.Enqueue((category, logLevel, formatter(state, exception) + (exception is null ? "" : $" {exception}")));
        }
    }
}
