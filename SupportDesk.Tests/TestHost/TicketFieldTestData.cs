using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace SupportDesk.Tests.TestHost;

/// <summary>Custom field helpers: fresh keys per call, every call through HTTP with its status checked.</summary>
public static class TicketFieldTestData
{
    public static string UniqueKey(string prefix = "f") => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(40, prefix.Length + 33)];

    public static async Task<JsonElement> CreateFieldAsync(this HttpClient admin, object body)
    {
        var response = await admin.PostAsJsonAsync("/ticket-fields", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"create field: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public static object Options(params string[] values) => values.Select(v => new { value = v, label = char.ToUpperInvariant(v[0]) + v[1..] }).ToArray();
}

/// <summary>
/// An app with a database of its own, for rules that reach every ticket of a database (a required field, the
/// definition limit): in the shared database they would break other tests' tickets.
/// </summary>
public sealed class IsolatedFieldsApp : IAsyncLifetime
{
    public const int MaxFields = 5;
    public TestDatabase Database { get; private set; } = null!;
    public SupportDeskFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync("sd_fields");
        var settings = SupportDeskFactory.DefaultSettings(Database.Url);
        settings["TICKET_FIELDS_MAX"] = MaxFields.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Factory = new SupportDeskFactory(settings);
        using var client = Factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
    }

    public async Task<(TestUser User, HttpClient Client)> UserAsync(string role)
    {
        var email = AppFixture.UniqueEmail(role);
        var password = $"pw-{Guid.NewGuid():N}";
        var id = Guid.CreateVersion7();
        await using (var db = await OpenConnectionAsync())
            await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, @email, @hash, 'Test', @role, @role)",
                new { id, email, hash = BCrypt.Net.BCrypt.HashPassword(password, 4), role });
        using var anonymous = Factory.CreateClient();
        var login = await (await anonymous.PostAsJsonAsync("/auth/login", new { email, password })).ReadAsync<AuthBody>();
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", login.AccessToken);
        return (new TestUser(id, email, password, role, login.AccessToken), client);
    }

    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
