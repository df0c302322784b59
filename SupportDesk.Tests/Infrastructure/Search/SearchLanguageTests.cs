using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Npgsql;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Tests.Infrastructure.Search;

public sealed class SearchLanguageTests
{
    [Fact]
    public async Task A_fresh_database_adopts_the_setting_and_vectors_and_queries_agree_until_a_reindex()
    {
        await using var database = await TestDatabase.CreateAsync("sd_search");
        var settings = SupportDeskFactory.DefaultSettings(database.Url);
        settings["SEARCH_LANGUAGE"] = "simple";
        await using (var factory = new SupportDeskFactory(settings))
        {
            using var anonymous = factory.CreateClient();
            var register = await anonymous.PostAsJsonAsync("/auth/register", new { email = AppFixture.UniqueEmail(), password = "correct horse battery", first_name = "C", last_name = "D" });
            var auth = await register.ReadAsync<AuthBody>();
            await using (var connection = new NpgsqlConnection(database.ConnectionString))
            {
                Assert.Equal("simple", await connection.ExecuteScalarAsync<string>("SELECT config::text FROM search_settings"));
                await connection.ExecuteAsync("""
                    INSERT INTO tickets (id, title, description, requester_id, created_by, updated_at)
                    VALUES (@id, 'Forgot my password', 'Please help.', @user, @user, '2020-01-01')
                    """, new { id = Guid.CreateVersion7(), user = auth.User.Id });
            }

            using var customer = factory.CreateClient();
            customer.DefaultRequestHeaders.Authorization = new("Bearer", auth.AccessToken);
            // "simple" does not stem: the exact word matches, another form does not.
            Assert.Single((await customer.GlobalSearchAsync("password")).Ids());
            Assert.Empty((await customer.GlobalSearchAsync("passwords")).Ids());
        }

        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var mismatch = await Assert.ThrowsAsync<StartupException>(() => SearchLanguage.EnsureAsync(dataSource, "english"));
        Assert.StartsWith("SEARCH_LANGUAGE is 'english'", mismatch.Message);
        Assert.Contains("search reindex", mismatch.Message);

        await SearchLanguage.ReindexAsync(dataSource, "english");
        await SearchLanguage.EnsureAsync(dataSource, "english");
        await using var check = await dataSource.OpenConnectionAsync();
        Assert.Equal("english", await check.ExecuteScalarAsync<string>("SELECT config::text FROM search_settings"));
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT search_vector @@ to_tsquery('english', 'passwords') FROM tickets"));
        // Re-indexing is not an edit.
        Assert.Equal(new DateTime(2020, 1, 1), (await check.ExecuteScalarAsync<DateTime>("SELECT updated_at FROM tickets")).Date);
        // New rows follow the recorded configuration.
        await check.ExecuteAsync("UPDATE tickets SET title = 'Resetting things'");
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT search_vector @@ to_tsquery('english', 'reset') FROM tickets"));
    }

    [Fact]
    public async Task An_unknown_configuration_stops_start_up_with_the_choices()
    {
        await using var database = await TestDatabase.CreateAsync("sd_search");
        await using var dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        var e = await Assert.ThrowsAsync<StartupException>(() => SearchLanguage.EnsureAsync(dataSource, "klingon"));
        Assert.StartsWith("SEARCH_LANGUAGE 'klingon'", e.Message);
        Assert.Contains("english", e.Message);
    }

    private sealed class Env : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";
        public string ApplicationName { get; set; } = "SupportDesk";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static AppSettings Load(params (string Key, string Value)[] values) =>
        AppSettings.Load(new ConfigurationBuilder().AddInMemoryCollection(values
            .Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))
            .Append(new("DATABASE_URL", "Host=localhost;Database=x"))
            .Append(new("JWT_SECRET", new string('s', 40)))).Build(), new Env());

    [Theory]
    [InlineData("english; DROP TABLE users")]
    [InlineData("pg_catalog.english")]
    [InlineData("1english")]
    public void Settings_refuse_a_malformed_language(string value)
    {
        var e = Assert.Throws<StartupException>(() => Load(("SEARCH_LANGUAGE", value)));
        Assert.StartsWith("SEARCH_LANGUAGE", e.Message);
    }

    [Fact]
    public void Search_settings_default_to_english_and_a_private_knowledge_base()
    {
        var defaults = Load();
        Assert.Equal("english", defaults.Search.Language);
        Assert.False(defaults.KbPublic);
        var set = Load(("SEARCH_LANGUAGE", "German"), ("KB_PUBLIC", "true"));
        Assert.Equal("german", set.Search.Language);
        Assert.True(set.KbPublic);
        Assert.StartsWith("KB_PUBLIC", Assert.Throws<StartupException>(() => Load(("KB_PUBLIC", "sometimes"))).Message);
    }
}
