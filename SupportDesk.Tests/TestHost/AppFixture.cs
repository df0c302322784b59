using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Npgsql;

[assembly: AssemblyFixture(typeof(SupportDesk.Tests.TestHost.AppFixture))]

namespace SupportDesk.Tests.TestHost;

public sealed record TestUser(Guid Id, string Email, string Password, string Role, string Token);

/// <summary>
/// One database and one app for the whole run: created and migrated (by the app's own start-up) once.
/// Tests make their own users and rows with fresh ids and assert only on those, so they run in parallel.
/// </summary>
public sealed class AppFixture : IAsyncLifetime
{
    private static int _counter;

    public TestDatabase Database { get; private set; } = null!;
    public SupportDeskFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        // The URL form of DATABASE_URL, as the spec writes it: every test goes through that parsing.
        Factory = new SupportDeskFactory(SupportDeskFactory.DefaultSettings(Database.Url));
        using var client = Factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
        // Every app of this run kept its attachment files under one folder of this process.
        if (Directory.Exists(SupportDeskFactory.TestAttachmentsRoot))
            Directory.Delete(SupportDeskFactory.TestAttachmentsRoot, recursive: true);
    }

    public HttpClient Anonymous() => Factory.CreateClient();

    public HttpClient ClientFor(TestUser user) => ClientWithToken(user.Token);

    public HttpClient ClientWithToken(string token)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static string UniqueEmail(string prefix = "user") =>
        $"{prefix}.{Interlocked.Increment(ref _counter)}.{Guid.NewGuid():N}@example.test";

    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(Database.ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>A customer through the public register route.</summary>
    public async Task<TestUser> RegisterCustomerAsync()
    {
        var email = UniqueEmail("customer");
        const string password = "correct horse battery";
        using var client = Anonymous();
        var response = await client.PostAsJsonAsync("/auth/register", new { email, password, first_name = "Cara", last_name = "Customer" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<AuthBody>(TestJson.Options);
        return new TestUser(body!.User.Id, email, password, "customer", body.AccessToken);
    }

    /// <summary>A user of any role, inserted directly (there is no public route to make staff), then signed in over HTTP.</summary>
    public async Task<TestUser> CreateUserAsync(string role)
    {
        var email = UniqueEmail(role);
        var password = $"pw-{Guid.NewGuid():N}";
        var id = Guid.CreateVersion7();
        await using (var connection = await OpenConnectionAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, @email, @hash, 'Test', @role, @role)",
                new { id, email, hash = BCrypt.Net.BCrypt.HashPassword(password, 4), role });
        }
        var token = await LoginAsync(email, password);
        return new TestUser(id, email, password, role, token);
    }

    public async Task<string> LoginAsync(string email, string password)
    {
        using var client = Anonymous();
        var response = await client.PostAsJsonAsync("/auth/login", new { email, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<AuthBody>(TestJson.Options))!.AccessToken;
    }
}

public sealed record AuthBody(string AccessToken, string TokenType, int ExpiresIn, string RefreshToken, int RefreshExpiresIn, UserBody User);

public sealed record UserBody(Guid Id, string Email, string FirstName, string LastName, string Role, bool IsActive);
