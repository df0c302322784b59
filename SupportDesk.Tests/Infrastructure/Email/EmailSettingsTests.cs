using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Infrastructure.Email;

public sealed class EmailSettingsTests
{
    private sealed class Env : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";
        public string ApplicationName { get; set; } = "SupportDesk";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static AppSettings Load(params (string Key, string Value)[] values)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))
                .Append(new("DATABASE_URL", "Host=localhost;Database=x"))
                .Append(new("JWT_SECRET", new string('s', 40))))
            .Build();
        return AppSettings.Load(config, new Env());
    }

    [Fact]
    public void Delivery_settings_have_defaults_and_can_be_set()
    {
        var defaults = Load().Email;
        Assert.Equal((8, 2000, 30_000, 3_600_000, 20, 300, null), (defaults.MaxAttempts, defaults.PollIntervalMs,
            defaults.BackoffBaseMs, defaults.BackoffMaxMs, defaults.BatchSize, defaults.LeaseSeconds, defaults.PublicUrl));

        var set = Load(("EMAIL_MAX_ATTEMPTS", "3"), ("EMAIL_POLL_INTERVAL_MS", "250"), ("EMAIL_BACKOFF_BASE_MS", "1000"),
            ("EMAIL_BACKOFF_MAX_MS", "60000"), ("EMAIL_BATCH_SIZE", "5"), ("EMAIL_LEASE_SECONDS", "60"), ("PUBLIC_URL", "https://help.example.test/")).Email;
        Assert.Equal((3, 250, 1000, 60_000, 5, 60, "https://help.example.test"), (set.MaxAttempts, set.PollIntervalMs,
            set.BackoffBaseMs, set.BackoffMaxMs, set.BatchSize, set.LeaseSeconds, set.PublicUrl));
    }

    [Theory]
    [InlineData("EMAIL_MAX_ATTEMPTS", "0")]
    [InlineData("EMAIL_POLL_INTERVAL_MS", "soon")]
    [InlineData("EMAIL_BATCH_SIZE", "100000")]
    [InlineData("EMAIL_FROM", "not an address")]
    [InlineData("EMAIL_SMTP_SECURITY", "ssl")]
    [InlineData("PUBLIC_URL", "ftp://files.example.test")]
    public void Bad_values_name_the_variable(string key, string value)
    {
        var e = Assert.Throws<StartupException>(() => Load((key, value)));
        Assert.StartsWith(key, e.Message);
    }

    [Fact]
    public void Backoff_doubles_per_attempt_up_to_the_cap()
    {
        var settings = Load(("EMAIL_BACKOFF_BASE_MS", "1000"), ("EMAIL_BACKOFF_MAX_MS", "5000"), ("EMAIL_SMTP_HOST", "smtp.test"));
        var sender = new EmailSender(null!, settings, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<EmailSender>.Instance, null!);
        Assert.Equal([1000, 2000, 4000, 5000, 5000], new[] { 1, 2, 3, 4, 60 }.Select(a => sender.Backoff(a).TotalMilliseconds));
    }
}
