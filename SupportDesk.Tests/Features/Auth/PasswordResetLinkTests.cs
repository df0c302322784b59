using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Tests.Features.Auth;

/// <summary>An app whose reset mails really go out (a test SMTP server), over a database of its own.</summary>
public sealed class ResetMailFixture : IAsyncLifetime
{
    public SmtpTestServer Smtp { get; private set; } = null!;
    public TestDatabase Database { get; private set; } = null!;
    public SupportDeskFactory Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Smtp = await SmtpTestServer.StartAsync();
        Database = await TestDatabase.CreateAsync("sd_resetlinks");
        Factory = new SupportDeskFactory(EmailTestData.SmtpSettings(Database.Url, Smtp.Port));
        using var client = Factory.CreateClient();
        (await client.GetAsync("/health")).EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
        await Smtp.DisposeAsync();
    }
}

/// <summary>
/// Reset links as their owner gets them, by mail: one link works at a time, a reset or a password change ends all of
/// them, and no table holds a token that would work.
/// </summary>
public sealed class PasswordResetLinkTests(ResetMailFixture mail, AppFixture app) : IClassFixture<ResetMailFixture>
{
    private sealed record Account(string Email, string Password, AuthBody Session);

    private async Task<Account> RegisterAsync()
    {
        using var client = mail.Factory.CreateClient();
        var email = AppFixture.UniqueEmail("forgetful");
        const string password = "old-password-1";
        var response = await client.PostAsJsonAsync("/auth/register", new { email, password, first_name = "F", last_name = "G" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return new Account(email, password, await response.ReadAsync<AuthBody>());
    }

    /// <summary>Asks for a link and returns the token of the mail that brings it (the n-th mail to the address).</summary>
    private async Task<string> MailedTokenAsync(string email, int nth)
    {
        using var client = mail.Factory.CreateClient();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/auth/forgot-password", new { email })).StatusCode);
        var received = await mail.Smtp.WaitForAsync(email, count: nth);
        var token = Uri.UnescapeDataString(Regex.Match(received[nth - 1].Message.TextBody!, @"token=([^\s""<]+)").Groups[1].Value);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.NotEqual(OutboxSecrets.Placeholder, token);
        return token;
    }

    private async Task<HttpStatusCode> ResetAsync(string token, string newPassword = "reset-password-1")
    {
        using var client = mail.Factory.CreateClient();
        return (await client.PostAsJsonAsync("/auth/reset-password", new { token, new_password = newPassword })).StatusCode;
    }

    /// <summary>Every row of every table whose text (bytea columns as hex) contains the value.</summary>
    private static async Task<List<string>> RowsContainingAsync(string connectionString, string value)
    {
        await using var db = new NpgsqlConnection(connectionString);
        await db.OpenAsync();
        var tables = await db.QueryAsync<string>(
            "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'");
        var hits = new List<string>();
        foreach (var table in tables)
        {
            var count = await db.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} t WHERE strpos(t::text, @value) > 0", new { value });
            if (count > 0)
                hits.Add($"{table}: {count}");
        }
        return hits;
    }

    [Fact]
    public async Task A_second_link_retires_the_first()
    {
        var account = await RegisterAsync();
        var first = await MailedTokenAsync(account.Email, 1);
        var second = await MailedTokenAsync(account.Email, 2);

        Assert.Equal(HttpStatusCode.BadRequest, await ResetAsync(first));
        Assert.Equal(HttpStatusCode.NoContent, await ResetAsync(second));
    }

    [Fact]
    public async Task A_reset_retires_every_other_link()
    {
        var account = await RegisterAsync();
        var mailed = await MailedTokenAsync(account.Email, 1);
        // Another link still outstanding (as one issued in a race would be): the reset must end it too.
        const string other = "another-outstanding-reset-token";
        await using (var db = new NpgsqlConnection(mail.Database.ConnectionString))
        {
            await db.OpenAsync();
            await db.ExecuteAsync("""
                INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at)
                VALUES (@id, @user, @hash, now() + interval '10 minutes')
                """, new { id = Guid.CreateVersion7(), user = account.Session.User.Id, hash = RefreshTokens.Hash(other + account.Email) });
        }

        Assert.Equal(HttpStatusCode.NoContent, await ResetAsync(mailed));
        Assert.Equal(HttpStatusCode.BadRequest, await ResetAsync(other + account.Email, "second-reset-password"));
        Assert.Equal(HttpStatusCode.BadRequest, await ResetAsync(mailed, "third-reset-password"));
    }

    [Fact]
    public async Task A_password_change_retires_every_link()
    {
        var account = await RegisterAsync();
        var mailed = await MailedTokenAsync(account.Email, 1);
        using var client = mail.Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", account.Session.AccessToken);

        var changed = await client.PostAsJsonAsync("/auth/change-password", new { current_password = account.Password, new_password = "changed-password-1" });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);

        Assert.Equal(HttpStatusCode.BadRequest, await ResetAsync(mailed));
        using var anonymous = mail.Factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await anonymous.PostAsJsonAsync("/auth/login", new { email = account.Email, password = "changed-password-1" })).StatusCode);
    }

    [Fact]
    public async Task No_table_holds_a_sent_token_and_the_outbox_keeps_only_a_placeholder()
    {
        var account = await RegisterAsync();
        var token = await MailedTokenAsync(account.Email, 1);
        await using var db = new NpgsqlConnection(mail.Database.ConnectionString);
        await db.OpenAsync();
        await EmailTestData.EventuallyAsync(async () => await db.ExecuteScalarAsync<bool>(
            "SELECT bool_and(status = 'sent') FROM email_outbox WHERE recipient_id = @Id AND template_key = 'password_reset'", account.Session.User), "reset mail marked sent");

        Assert.Empty(await RowsContainingAsync(mail.Database.ConnectionString, token));
        var row = await db.QuerySingleAsync<(string TextBody, string HtmlBody, byte[]? SealedSecret)>(
            "SELECT text_body, html_body, sealed_secret FROM email_outbox WHERE recipient_id = @Id AND template_key = 'password_reset'", account.Session.User);
        Assert.Contains($"token={OutboxSecrets.Placeholder}", row.TextBody);
        Assert.Contains($"token={OutboxSecrets.Placeholder}", row.HtmlBody);
        Assert.Null(row.SealedSecret);
        Assert.Equal(HttpStatusCode.NoContent, await ResetAsync(token));
    }

    [Fact]
    public async Task A_link_waiting_in_the_outbox_is_stored_only_sealed()
    {
        // The shared app has no SMTP host: the mail waits, with its token sealed under a key the database does not have.
        var customer = await app.RegisterCustomerAsync();
        using var client = app.Anonymous();
        Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/auth/forgot-password", new { email = customer.Email })).StatusCode);
        await using var db = await app.OpenConnectionAsync();
        var row = await db.QuerySingleAsync<(Guid Id, string ToAddress, string TextBody, byte[] SealedSecret)>(
            "SELECT id, to_address, text_body, sealed_secret FROM email_outbox WHERE recipient_id = @Id AND template_key = 'password_reset'", customer);
        var token = app.Factory.Services.GetRequiredService<OutboxSecrets>().Open(row.SealedSecret, row.Id, row.ToAddress);

        Assert.Contains($"token={OutboxSecrets.Placeholder}", row.TextBody);
        Assert.Empty(await RowsContainingAsync(app.Database.ConnectionString, token));
        Assert.Equal(HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/auth/reset-password", new { token, new_password = "reset-password-1" })).StatusCode);
    }
}
