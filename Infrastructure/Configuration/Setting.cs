using System.Globalization;
using System.Reflection;

namespace SupportDesk.Infrastructure.Configuration;

/// <summary>
/// One environment variable: its name and its default, written once, as a static field of the settings section that
/// owns it. The configuration keys are the variable names themselves, so tests and appsettings.json use the same names.
/// README's table and env.example are checked against these fields (ConfigurationDocsTests).
/// </summary>
public abstract class Setting(string name)
{
    public string Name { get; } = name;

    /// <summary>The default as README and env.example write it; null when the variable has none (unset means off).</summary>
    public abstract string? DefaultText { get; }

    protected string? Raw(IConfiguration config) => config[Name] is { } raw && !string.IsNullOrWhiteSpace(raw) ? raw : null;

    /// <summary>Every setting the service reads, from the static fields of its settings sections.</summary>
    public static IReadOnlyList<Setting> All { get; } = typeof(Setting).Assembly.GetTypes()
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static))
        .Where(f => typeof(Setting).IsAssignableFrom(f.FieldType))
        .Select(f => (Setting)f.GetValue(null)!)
        .ToArray();
}

public sealed class IntSetting(string name, int defaultValue, int min, int max) : Setting(name)
{
    public int Default { get; } = defaultValue;
    public override string DefaultText => Default.ToString(CultureInfo.InvariantCulture);

    public int Read(IConfiguration config)
    {
        if (Raw(config) is not { } raw)
            return Default;
        if (!int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
            throw new StartupException($"{Name} must be a whole number from {min} to {max}, not '{raw}'.");
        return value;
    }
}

/// <summary>A switch. <paramref name="defaultText"/> describes a default that depends on the environment.</summary>
public sealed class BoolSetting(string name, bool defaultValue, string? defaultText = null) : Setting(name)
{
    public override string DefaultText { get; } = defaultText ?? (defaultValue ? "true" : "false");

    public bool Read(IConfiguration config) => Read(config, defaultValue);

    public bool Read(IConfiguration config, bool fallback) => Raw(config)?.Trim().ToLowerInvariant() switch
    {
        null => fallback,
        "true" or "1" or "yes" or "on" => true,
        "false" or "0" or "no" or "off" => false,
        var raw => throw new StartupException($"{Name} must be true or false, not '{raw}'."),
    };
}

/// <summary>Text; null default: unset means "none". Shape checks belong to the owner that reads it.</summary>
public sealed class TextSetting(string name, string? defaultValue = null) : Setting(name)
{
    public string? Default { get; } = defaultValue;
    public override string? DefaultText => Default;

    public string? Read(IConfiguration config) => Raw(config) ?? Default;
}
