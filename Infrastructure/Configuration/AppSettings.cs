using SupportDesk.Infrastructure.Attachments;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Inbound;
using SupportDesk.Infrastructure.Metrics;
using SupportDesk.Infrastructure.RateLimiting;
using SupportDesk.Infrastructure.Realtime;
using SupportDesk.Infrastructure.Search;
using SupportDesk.Infrastructure.Sla;

namespace SupportDesk.Infrastructure.Configuration;

/// <summary>
/// The service's configuration, read from the environment variables of the spec's table. Each section lives with its
/// owner (Auth, Email, Realtime, RateLimiting, Search) and declares its variables and defaults there, once (<see cref="Setting"/>).
/// </summary>
public sealed class AppSettings
{
    internal static readonly IntSetting PortSetting = new("PORT", 3000, 1, 65535);
    internal static readonly TextSetting DatabaseUrlSetting = new("DATABASE_URL");
    internal static readonly BoolSetting MigrateOnStartupSetting = new("MIGRATE_ON_STARTUP", true);
    internal static readonly TextSetting CorsOriginSetting = new("CORS_ORIGIN", "*");
    internal static readonly TextSetting LogLevelSetting = new("LOG_LEVEL", "info");
    // Docs are on everywhere but Production, where they are opt-in.
    internal static readonly BoolSetting ApiDocsSetting = new("API_DOCS", false, defaultText: "off in Production");
    internal static readonly BoolSetting KbPublicSetting = new("KB_PUBLIC", false);
    internal static readonly TextSetting TrustedProxiesSetting = new("TRUSTED_PROXIES");
    internal static readonly IntSetting TicketFieldsMaxSetting = new("TICKET_FIELDS_MAX", 200, 1, 10_000);

    public required int Port { get; init; }
    public required string ConnectionString { get; init; }
    public required bool MigrateOnStartup { get; init; }
    public required string[] CorsOrigins { get; init; }
    public required string LogLevel { get; init; }
    public required bool ApiDocs { get; init; }
    /// <summary>Anonymous callers may read published knowledge base articles.</summary>
    public bool KbPublic { get; init; }
    /// <summary>
    /// Proxies (addresses or CIDR ranges) whose X-Forwarded-For / X-Forwarded-Proto are believed. Empty: the
    /// headers are ignored and the client is the TCP peer, so nobody can pick their own address for the rate limits.
    /// </summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = [];
    /// <summary>How many live custom ticket fields there may be: each is checked on every ticket write and read.</summary>
    public int TicketFieldsMax { get; init; } = TicketFieldsMaxSetting.Default;

    public required AuthSettings Auth { get; init; }
    public EmailSettings Email { get; init; } = new();
    public RateLimitSettings RateLimits { get; init; } = RateLimitSettings.Read(new ConfigurationBuilder().Build());
    public RealtimeSettings Realtime { get; init; } = new();
    public SearchSettings Search { get; init; } = new();
    public MetricsSettings Metrics { get; init; } = new();
    public AttachmentSettings Attachments { get; init; } = new();
    public SlaSettings Sla { get; init; } = new();
    public InboundSettings Inbound { get; init; } = new();

    public static AppSettings Load(IConfiguration config, IHostEnvironment environment, bool forCommandLine = false)
    {
        if (DatabaseUrlSetting.Read(config) is not { } databaseUrl)
            throw new StartupException("DATABASE_URL is not set: give a postgres://user:pass@host:port/db URL or an Npgsql connection string (scripts/run sets one up for you).");

        return new AppSettings
        {
            Port = PortSetting.Read(config),
            ConnectionString = DatabaseUrl.ToConnectionString(databaseUrl),
            MigrateOnStartup = MigrateOnStartupSetting.Read(config),
            CorsOrigins = CorsOriginSetting.Read(config)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            LogLevel = LogLevelSetting.Read(config)!,
            ApiDocs = ApiDocsSetting.Read(config, fallback: !environment.IsProduction()),
            KbPublic = KbPublicSetting.Read(config),
            TrustedProxies = ReadNetworks(TrustedProxiesSetting.Name, TrustedProxiesSetting.Read(config)),
            TicketFieldsMax = TicketFieldsMaxSetting.Read(config),
            // A CLI command issues no tokens, so it may run without a secret anywhere.
            Auth = AuthSettings.Read(config, mayGenerateSecret: environment.IsDevelopment() || forCommandLine),
            Email = EmailSettings.Read(config),
            RateLimits = RateLimitSettings.Read(config),
            Realtime = RealtimeSettings.Read(config),
            Search = SearchSettings.Read(config),
            Metrics = MetricsSettings.Read(config),
            Attachments = AttachmentSettings.Read(config, environment.ContentRootPath),
            Sla = SlaSettings.Read(config),
            Inbound = InboundSettings.Read(config, EmailSettings.FromSetting.Read(config)!),
        };
    }

    /// <summary>A comma-separated list of addresses and CIDR ranges; the setting's name leads the error.</summary>
    internal static System.Net.IPNetwork[] ReadNetworks(string name, string? raw) =>
        (raw ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => System.Net.IPNetwork.TryParse(entry, out var network) ? network
                : System.Net.IPAddress.TryParse(entry, out var address) ? new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8)
                : throw new StartupException($"{name}: '{entry}' is not an IP address or CIDR range (e.g. 10.0.0.5, 10.0.0.0/8)."))
            .ToArray();
}

/// <summary>A configuration problem that stops start-up with a one-line explanation.</summary>
public sealed class StartupException(string message) : Exception(message);
