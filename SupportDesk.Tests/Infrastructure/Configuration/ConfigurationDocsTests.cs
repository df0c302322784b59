using System.Text.RegularExpressions;
using SupportDesk.Infrastructure.Configuration;

namespace SupportDesk.Tests.Infrastructure.Configuration;

/// <summary>
/// env.example, README's configuration table and the code (the Setting fields of each settings section) list the same
/// variables with the same defaults, so a default is written once and the two documents cannot drift from it.
/// </summary>
public sealed partial class ConfigurationDocsTests
{
    private static string Repo(string file)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SupportDesk.csproj")))
                return File.ReadAllText(Path.Combine(dir.FullName, file));
        throw new InvalidOperationException("The repository root (SupportDesk.csproj) is not above the test output.");
    }

    // Variables the runtime or the framework reads, documented for operators but not read by our code.
    private static bool IsRuntimeVariable(string name) => name.StartsWith("DOTNET_", StringComparison.Ordinal) || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal);

    private static Dictionary<string, Setting> Code() => Setting.All.ToDictionary(s => s.Name);

    /// <summary>NAME=value lines; a commented-out line (#NAME=value) is an opt-in example, not a default.</summary>
    private static Dictionary<string, (string Value, bool Example)> EnvExample() =>
        Repo("env.example").Split('\n')
            .Select(line => EnvLine().Match(line.Trim()))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups["name"].Value, m => (m.Groups["value"].Value, m.Groups["hash"].Success));

    /// <summary>Rows of README's configuration table: a row may name several variables with " / "-separated defaults.</summary>
    private static Dictionary<string, string> ReadmeTable()
    {
        var rows = new Dictionary<string, string>();
        var lines = Repo("README.md").Split('\n');
        var header = Array.FindIndex(lines, l => l.StartsWith("| Variable |", StringComparison.Ordinal));
        Assert.True(header >= 0, "README has no '| Variable | … | Default |' table");
        foreach (var line in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = line.Trim().Trim('|').Split('|').Select(c => c.Trim()).ToArray();
            var names = Regex.Matches(cells[0], "`([A-Z][A-Z0-9_]+)`").Select(m => m.Groups[1].Value).ToArray();
            var defaults = cells[^1].Replace("`", "").Split(" / ").Select(d => d.Trim()).ToArray();
            for (var i = 0; i < names.Length; i++)
                rows[names[i]] = defaults.Length == names.Length ? defaults[i] : cells[^1].Replace("`", "").Trim();
        }
        return rows;
    }

    [Fact]
    public void The_code_reads_a_good_number_of_settings()
    {
        // The reflection that finds them must keep finding them.
        Assert.Contains("DATABASE_URL", Code().Keys);
        Assert.Contains("EMAIL_SMTP_HOST", Code().Keys);
        Assert.True(Code().Count >= 40, $"only {Code().Count} settings found");
    }

    [Fact]
    public void Env_example_lists_every_setting_with_its_default()
    {
        var code = Code();
        var env = EnvExample();
        Assert.Equal(code.Keys.Order(), env.Keys.Where(n => !IsRuntimeVariable(n)).Order());
        foreach (var (name, (value, example)) in env)
        {
            if (example || IsRuntimeVariable(name) || code[name].DefaultText is not { } expected || !code[name].HasLiteralDefault())
                continue;
            Assert.True(value == expected, $"env.example: {name}={value}, but its default is {expected}");
        }
    }

    [Fact]
    public void Readme_table_lists_every_setting_with_its_default()
    {
        var code = Code();
        var readme = ReadmeTable();
        Assert.Equal(code.Keys.Order(), readme.Keys.Where(n => !IsRuntimeVariable(n)).Order());
        foreach (var (name, setting) in code)
            Assert.True(readme[name] == (setting.DefaultText ?? "-"), $"README: {name} default '{readme[name]}', the code says '{setting.DefaultText ?? "-"}'");
    }

    [GeneratedRegex(@"^(?<hash>#)?(?<name>[A-Z][A-Z0-9_]+)=(?<value>.*)$")]
    private static partial Regex EnvLine();
}

internal static class SettingDocs
{
    /// <summary>A default that env.example can write as a value (not a phrase such as "off in Production").</summary>
    public static bool HasLiteralDefault(this Setting setting) => setting is not BoolSetting { DefaultText: not ("true" or "false") };
}
