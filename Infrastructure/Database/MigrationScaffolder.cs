using System.Text;
using System.Text.RegularExpressions;

namespace SupportDesk.Infrastructure.Database;

/// <summary>Writes a new, empty, timestamped migration class into Migrations/ (`dotnet run -- migrate create name`).</summary>
public static partial class MigrationScaffolder
{
    public static string Create(string name, string migrationsDirectory, DateTime utcNow)
    {
        var className = ToPascalCase(name);
        if (className.Length == 0)
            throw new ArgumentException("A migration name needs at least one letter or digit.", nameof(name));

        var version = long.Parse(utcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
        Directory.CreateDirectory(migrationsDirectory);
        var path = Path.Combine(migrationsDirectory, $"M{version}_{className}.cs");
        if (File.Exists(path))
            throw new IOException($"{path} already exists.");

        File.WriteAllText(path, $$"""
            using FluentMigrator;

            namespace SupportDesk.Migrations;

            [Migration({{version}})]
            public sealed class M{{version}}_{{className}} : Migration
            {
                public override void Up()
                {
                }

                public override void Down()
                {
                }
            }

            """);
        return path;
    }

    /// <summary>Finds the project's Migrations/ folder from the current directory or the build output.</summary>
    public static string FindMigrationsDirectory()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "SupportDesk.csproj")))
                    return Path.Combine(dir.FullName, "Migrations");
            }
        }
        throw new DirectoryNotFoundException("Cannot find SupportDesk.csproj above the current directory; run this from the project folder.");
    }

    private static string ToPascalCase(string name)
    {
        var sb = new StringBuilder();
        foreach (var word in WordSplitter().Split(name))
        {
            if (word.Length == 0)
                continue;
            sb.Append(char.ToUpperInvariant(word[0])).Append(word.AsSpan(1));
        }
        var result = sb.ToString();
        return result.Length > 0 && char.IsDigit(result[0]) ? "_" + result : result;
    }

    [GeneratedRegex("[^A-Za-z0-9]+")]
    private static partial Regex WordSplitter();
}
