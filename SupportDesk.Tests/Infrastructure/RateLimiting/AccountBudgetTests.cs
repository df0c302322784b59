using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.RateLimiting;

namespace SupportDesk.Tests.Infrastructure.RateLimiting;

/// <summary>
/// The per-account budgets in PostgreSQL, over real Kestrel: 127.0.0.1 is a trusted proxy, so X-Forwarded-For
/// plays a client at any address. The per-address budget stays lifted; each test has accounts of its own.
/// </summary>
public sealed class AccountBudgetTests(AppFixture fixture)
{
    private const int Failures = 5;
    private const int ResetEmails = 3;
    private const string Password = "correct horse battery";

    private Task<KestrelApp> StartAsync() => KestrelApp.StartAsync(fixture.Database.Url, new Dictionary<string, string?>
    {
        ["TRUSTED_PROXIES"] = "127.0.0.1",
        ["RATE_LIMIT_SIGN_IN_FAILURES_PER_HOUR"] = Failures.ToString(),
        ["RATE_LIMIT_RESET_EMAILS_PER_HOUR"] = ResetEmails.ToString(),
    });

    private static Task<HttpResponseMessage> PostFromAsync(HttpClient client, string address, string path, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("X-Forwarded-For", address);
        return client.SendAsync(request);
    }

    private static async Task<HttpStatusCode> LoginFromAsync(HttpClient client, string address, string email, string password) =>
        (await PostFromAsync(client, address, "/auth/login", new { email, password })).StatusCode;

    private static async Task<string> RegisterFromAsync(HttpClient client, string address)
    {
        var email = AppFixture.UniqueEmail("budget");
        var response = await PostFromAsync(client, address, "/auth/register", new { email, password = Password, first_name = "Owen", last_name = "Owner" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return email;
    }

    private async Task<int> ResetEmailsToAsync(string email)
    {
        await using var db = await fixture.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM email_outbox o JOIN users u ON u.id = o.recipient_id WHERE lower(u.email) = @email AND o.template_key = 'password_reset'",
            new { email });
    }

    [Fact]
    public async Task Strangers_who_spend_an_accounts_budget_do_not_lock_its_owner_out()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        var email = await RegisterFromAsync(client, "198.51.100.1");
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(client, "198.51.100.2", email, Password));

        // The probe from the report: eleven reset requests and eleven wrong passwords, each from an address of its own.
        for (var i = 1; i <= 11; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await PostFromAsync(client, $"203.0.113.{i}", "/auth/forgot-password", new { email })).StatusCode);
        var guesses = new List<HttpStatusCode>();
        for (var i = 1; i <= 11; i++)
            guesses.Add(await LoginFromAsync(client, $"192.0.2.{i}", email, $"guess-{i}"));
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, Failures).Concat(Enumerable.Repeat(HttpStatusCode.TooManyRequests, 11 - Failures)), guesses);

        // The owner, from the address that registered and the one that signed in, is not refused; a success costs nothing.
        for (var i = 0; i < Failures + 2; i++)
            Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(client, "198.51.100.2", email, Password));
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(client, "198.51.100.1", email, Password));
        // A new address waits with the strangers, even with the right password (it cannot be told from one).
        var stranger = await PostFromAsync(client, "192.0.2.99", "/auth/login", new { email, password = Password });
        await stranger.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        RateLimitTests.AssertRateLimitHeaders(stranger, Failures, windowSeconds: 3600);
        Assert.Equal(ResetEmails, await ResetEmailsToAsync(email));
    }

    [Fact]
    public async Task A_known_address_has_a_budget_of_its_own_and_failures_from_it_count()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        var email = await RegisterFromAsync(client, "198.51.100.10");
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(client, "198.51.100.11", email, Password));

        for (var i = 0; i < Failures; i++)
            Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "198.51.100.10", email, "wrong password"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await LoginFromAsync(client, "198.51.100.10", email, Password));
        // The owner's other address, and strangers, are untouched by it.
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(client, "198.51.100.11", email, Password));
        Assert.Equal(HttpStatusCode.Unauthorized, await LoginFromAsync(client, "192.0.2.50", email, "wrong password"));
    }

    [Fact]
    public async Task Guessing_from_many_addresses_gets_the_same_few_tries_whether_or_not_the_account_exists()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        var email = await RegisterFromAsync(client, "198.51.100.20");
        var nobody = AppFixture.UniqueEmail("nobody");

        foreach (var target in new[] { email, nobody })
        {
            var statuses = new List<HttpStatusCode>();
            for (var i = 1; i <= 30; i++)
                statuses.Add(await LoginFromAsync(client, $"10.{i}.0.1", target, $"guess-{i}"));
            Assert.Equal(Failures, statuses.Count(s => s == HttpStatusCode.Unauthorized));
            Assert.Equal(30 - Failures, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        }
    }

    [Fact]
    public async Task Forgot_password_sends_a_few_emails_per_hour_and_answers_every_request_the_same()
    {
        await using var app = await StartAsync();
        using var client = app.CreateClient();
        var email = await RegisterFromAsync(client, "198.51.100.30");
        var nobody = AppFixture.UniqueEmail("nobody");

        var bodies = new List<string>();
        foreach (var target in new[] { email, nobody })
        {
            for (var i = 1; i <= 8; i++)
            {
                var response = await PostFromAsync(client, $"203.0.113.{i}", "/auth/forgot-password", new { email = target });
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                bodies.Add(await response.Content.ReadAsStringAsync());
            }
        }
        Assert.Single(bodies.Distinct());
        Assert.Equal(ResetEmails, await ResetEmailsToAsync(email));
        // Reset requests never spend the sign-in budget.
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(client, "192.0.2.77", email, Password));
    }

    [Fact]
    public async Task Parallel_attempts_on_two_instances_share_one_budget()
    {
        await using var first = await StartAsync();
        await using var second = await StartAsync();
        using var one = first.CreateClient();
        using var two = second.CreateClient();
        var email = await RegisterFromAsync(one, "198.51.100.40");

        var guesses = await Task.WhenAll(Enumerable.Range(1, 24).Select(i =>
            LoginFromAsync(i % 2 == 0 ? one : two, $"10.0.{i}.1", email, $"guess-{i}")));
        Assert.Equal(Failures, guesses.Count(s => s == HttpStatusCode.Unauthorized));
        Assert.Equal(24 - Failures, guesses.Count(s => s == HttpStatusCode.TooManyRequests));

        var resets = await Task.WhenAll(Enumerable.Range(1, 12).Select(i =>
            PostFromAsync(i % 2 == 0 ? one : two, $"10.1.{i}.1", "/auth/forgot-password", new { email })));
        Assert.All(resets, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        Assert.Equal(ResetEmails, await ResetEmailsToAsync(email));

        // The address that registered is known to both instances.
        Assert.Equal(HttpStatusCode.OK, await LoginFromAsync(two, "198.51.100.40", email, Password));
    }

    [Fact]
    public async Task Spent_budgets_and_long_unused_known_addresses_are_deleted()
    {
        var customer = await fixture.RegisterCustomerAsync();
        var spent = $"sign-in:{Guid.NewGuid():N}@example.test";
        var current = $"sign-in:{Guid.NewGuid():N}@example.test";
        await using (var db = await fixture.OpenConnectionAsync())
        {
            await db.ExecuteAsync("""
                INSERT INTO account_budgets (key, used, window_ends_at) VALUES (@spent, 5, now() - interval '2 hours'), (@current, 5, now() + interval '1 hour');
                INSERT INTO known_sign_in_clients (user_id, client, last_seen_at) VALUES (@id, '192.0.2.1', now() - interval '91 days'), (@id, '192.0.2.2', now())
                """, new { spent, current, id = customer.Id });
        }

        await fixture.Factory.Services.GetRequiredService<AccountBudgetsCleanup>().DeleteExpiredAsync(CancellationToken.None);
        await fixture.Factory.Services.GetRequiredService<KnownSignInClientsCleanup>().DeleteExpiredAsync(CancellationToken.None);

        await using var check = await fixture.OpenConnectionAsync();
        Assert.Equal([current], await check.QueryAsync<string>("SELECT key FROM account_budgets WHERE key = ANY(@keys)", new { keys = new[] { spent, current } }));
        Assert.Equal(["192.0.2.2", "unknown"], (await check.QueryAsync<string>("SELECT client FROM known_sign_in_clients WHERE user_id = @Id", new { customer.Id })).Order());
    }
}
