using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Infrastructure.Search;

public sealed class SearchSettings
{
    internal static readonly TextSetting LanguageSetting = new("SEARCH_LANGUAGE", "english");

    /// <summary>PostgreSQL text search configuration (pg_ts_config name) for stored vectors and queries alike.</summary>
    public string Language { get; init; } = LanguageSetting.Default!;

    public static SearchSettings Read(IConfiguration config) => new() { Language = ReadLanguage(config) };

    // Only the shape is checked here; start-up checks the name against pg_ts_config once the database answers.
    private static string ReadLanguage(IConfiguration config)
    {
        var raw = LanguageSetting.Read(config)!;
        var value = raw.Trim().ToLowerInvariant();
        if (value.Length > 63 || !value.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_') || char.IsDigit(value[0]))
            throw new StartupException($"SEARCH_LANGUAGE must be the name of a PostgreSQL text search configuration (e.g. english, simple, german), not '{raw}'.");
        return value;
    }
}
