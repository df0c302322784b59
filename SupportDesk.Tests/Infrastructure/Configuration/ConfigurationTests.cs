using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.Infrastructure.Configuration;

public sealed class ConfigurationTests
{
    private sealed class Env(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "SupportDesk";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static AppSettings Load(string environment, params (string Key, string Value)[] values)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)).Append(new("DATABASE_URL", "Host=localhost;Database=x")))
            .Build();
        return AppSettings.Load(config, new Env(environment));
    }

    [Fact]
    public void Url_form_becomes_an_npgsql_connection_string()
    {
        var csb = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("postgres://sd%40user:p%3Ass@db.internal:6543/support_tickets?sslmode=require"));
        Assert.Equal("db.internal", csb.Host);
        Assert.Equal(6543, csb.Port);
        Assert.Equal("support_tickets", csb.Database);
        Assert.Equal("sd@user", csb.Username);
        Assert.Equal("p:ss", csb.Password);
        Assert.Equal(SslMode.Require, csb.SslMode);
    }

    [Fact]
    public void Url_without_a_port_uses_5432_and_key_value_strings_pass_through()
    {
        Assert.Equal(5432, new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("postgresql://u@localhost/db")).Port);
        var csb = new NpgsqlConnectionStringBuilder(DatabaseUrl.ToConnectionString("Host=h;Port=1234;Database=d;Username=u"));
        Assert.Equal(("h", 1234, "d"), (csb.Host, csb.Port, csb.Database));
    }

    [Theory]
    [InlineData("postgres://")]
    [InlineData("postgres://u@h/db?frobnicate=1")]
    [InlineData("this is not = a ; valid=thing")]
    public void Bad_database_urls_stop_start_up_with_a_message(string value)
    {
        var e = Assert.Throws<StartupException>(() => DatabaseUrl.ToConnectionString(value));
        Assert.Contains("DATABASE_URL", e.Message);
    }

    [Fact]
    public void Outside_development_a_missing_or_short_jwt_secret_stops_start_up()
    {
        var missing = Assert.Throws<StartupException>(() => Load("Production"));
        Assert.Contains("JWT_SECRET", missing.Message);
        Assert.DoesNotContain('\n', missing.Message);
        var shortOne = Assert.Throws<StartupException>(() => Load("Production", ("JWT_SECRET", "too-short")));
        Assert.Contains("at least 32 bytes", shortOne.Message);
    }

    [Fact]
    public void In_development_a_random_secret_is_generated()
    {
        var a = Load("Development");
        var b = Load("Development");
        Assert.True(a.Auth.JwtSecretGenerated);
        Assert.True(a.Auth.JwtSecret.Length >= 32);
        Assert.NotEqual(a.Auth.JwtSecret, b.Auth.JwtSecret);
    }

    [Fact]
    public void Spec_variables_and_their_defaults_are_read()
    {
        var defaults = Load("Production", ("JWT_SECRET", new string('s', 40)));
        Assert.Equal(3000, defaults.Port);
        Assert.Equal(86400, defaults.Auth.JwtExpirationSeconds);
        Assert.Equal(587, defaults.Email.SmtpPort);
        Assert.Equal(["*"], defaults.CorsOrigins);
        Assert.Equal("info", defaults.LogLevel);
        Assert.True(defaults.MigrateOnStartup);

        var set = Load("Production", ("JWT_SECRET", new string('s', 40)), ("PORT", "8080"), ("JWT_EXPIRATION", "600"),
            ("EMAIL_SMTP_HOST", "smtp.example.test"), ("EMAIL_SMTP_PORT", "2525"), ("EMAIL_USERNAME", "u"), ("EMAIL_PASSWORD", "p"),
            ("EMAIL_FROM", "help@example.test"), ("CORS_ORIGIN", "https://a.test, https://b.test"), ("LOG_LEVEL", "debug"),
            ("MIGRATE_ON_STARTUP", "false"));
        Assert.Equal(8080, set.Port);
        Assert.Equal(600, set.Auth.JwtExpirationSeconds);
        Assert.Equal(("smtp.example.test", 2525, "u", "p", "help@example.test"),
            (set.Email.SmtpHost, set.Email.SmtpPort, set.Email.Username, set.Email.Password, set.Email.From));
        Assert.Equal(["https://a.test", "https://b.test"], set.CorsOrigins);
        Assert.Equal("debug", set.LogLevel);
        Assert.False(set.MigrateOnStartup);
    }

    [Theory]
    [InlineData("PORT", "eighty")]
    [InlineData("PORT", "70000")]
    [InlineData("JWT_EXPIRATION", "-1")]
    [InlineData("MIGRATE_ON_STARTUP", "perhaps")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.1, the-load-balancer")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.0/99")]
    public void Bad_values_name_the_variable(string key, string value)
    {
        var e = Assert.Throws<StartupException>(() => Load("Production", ("JWT_SECRET", new string('s', 40)), (key, value)));
        Assert.StartsWith(key, e.Message);
    }

    [Theory]
    [InlineData("trace", Serilog.Events.LogEventLevel.Verbose)]
    [InlineData("debug", Serilog.Events.LogEventLevel.Debug)]
    [InlineData("info", Serilog.Events.LogEventLevel.Information)]
    [InlineData("WARN", Serilog.Events.LogEventLevel.Warning)]
    [InlineData("error", Serilog.Events.LogEventLevel.Error)]
    public void Log_level_takes_the_rust_log_words(string value, Serilog.Events.LogEventLevel expected) =>
        Assert.Equal(expected, SupportDesk.Infrastructure.Logging.LoggingSetup.ParseLevel(value));
}
