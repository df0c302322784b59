using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Attachments;

public sealed class AttachmentSettings
{
    internal static readonly TextSetting PathSetting = new("ATTACHMENTS_PATH", ".data/attachments");
    internal static readonly IntSetting MaxFileMbSetting = new("ATTACHMENTS_MAX_FILE_MB", 25, 1, 10_240);
    internal static readonly IntSetting MaxRequestMbSetting = new("ATTACHMENTS_MAX_REQUEST_MB", 50, 1, 10_240);
    internal static readonly IntSetting MaxTicketMbSetting = new("ATTACHMENTS_MAX_TICKET_MB", 200, 1, 1_048_576);
    internal static readonly IntSetting MaxFilesSetting = new("ATTACHMENTS_MAX_FILES", 10, 1, 1000);
    internal static readonly TextSetting AllowedTypesSetting = new("ATTACHMENTS_ALLOWED_TYPES",
        "image/png,image/jpeg,image/gif,image/webp,application/pdf,application/zip,application/gzip,text/plain");
    internal static readonly TextSetting ClamAvHostSetting = new("CLAMAV_HOST");
    internal static readonly IntSetting UnlinkedHoursSetting = new("ATTACHMENTS_UNLINKED_HOURS", 24, 1, 24 * 365);

    /// <summary>Absolute root of the stored bytes (a relative ATTACHMENTS_PATH is taken from the content root).</summary>
    public string Root { get; init; } = Path.GetFullPath(PathSetting.Default!);
    public long MaxFileBytes { get; init; } = MaxFileMbSetting.Default * Megabyte;
    public long MaxRequestBytes { get; init; } = MaxRequestMbSetting.Default * Megabyte;
    public long MaxTicketBytes { get; init; } = MaxTicketMbSetting.Default * Megabyte;
    public int MaxFiles { get; init; } = MaxFilesSetting.Default;
    /// <summary>Detected (magic-byte) types that may be uploaded; anything else is refused with 415.</summary>
    public IReadOnlySet<string> AllowedTypes { get; init; } = ParseTypes(AllowedTypesSetting.Default!);
    /// <summary>How long an upload waits for a comment to carry it before the cleanup job deletes it.</summary>
    public TimeSpan UnlinkedLifetime { get; init; } = TimeSpan.FromHours(UnlinkedHoursSetting.Default);

    /// <summary>clamd's TCP address (host:port, port 3310 when left out); null: files are not scanned.</summary>
    public (string Host, int Port)? ClamAvHost { get; init; }

    private const long Megabyte = 1024 * 1024;

    public static AttachmentSettings Read(IConfiguration config, string contentRoot)
    {
        var types = ParseTypes(AllowedTypesSetting.Read(config)!);
        var unknown = types.Where(t => !FileSignatures.KnownTypes.Contains(t)).ToList();
        if (unknown.Count > 0)
            throw new StartupException($"ATTACHMENTS_ALLOWED_TYPES: {string.Join(", ", unknown)} is not a type the service can recognise ({string.Join(", ", FileSignatures.KnownTypes)}).");
        return new AttachmentSettings
        {
            Root = Path.GetFullPath(PathSetting.Read(config)!, contentRoot),
            MaxFileBytes = MaxFileMbSetting.Read(config) * Megabyte,
            MaxRequestBytes = MaxRequestMbSetting.Read(config) * Megabyte,
            MaxTicketBytes = MaxTicketMbSetting.Read(config) * Megabyte,
            MaxFiles = MaxFilesSetting.Read(config),
            AllowedTypes = types,
            UnlinkedLifetime = TimeSpan.FromHours(UnlinkedHoursSetting.Read(config)),
            ClamAvHost = ReadClamAvHost(ClamAvHostSetting.Read(config)),
        };
    }

    private static (string Host, int Port)? ReadClamAvHost(string? raw)
    {
        if (raw is null)
            return null;
        var at = raw.LastIndexOf(':');
        var host = at < 0 ? raw.Trim() : raw[..at].Trim();
        var port = 3310;
        if ((at >= 0 && (!int.TryParse(raw[(at + 1)..], out port) || port is < 1 or > 65535)) || host.Length == 0)
            throw new StartupException($"CLAMAV_HOST must be host:port of clamd's TCP socket (e.g. 127.0.0.1:3310), not '{raw}'.");
        return (host, port);
    }

    private static HashSet<string> ParseTypes(string raw) =>
        raw.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(t => t.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
}
