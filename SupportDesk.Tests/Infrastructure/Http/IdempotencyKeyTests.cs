using System.Net;
using System.Net.Http.Json;
using System.Text;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using SupportDesk.Infrastructure.Idempotency;

namespace SupportDesk.Tests.Infrastructure.Http;

public sealed class IdempotencyKeyTests(AppFixture app)
{
    private static HttpRequestMessage Post(string url, object body, string? key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
        if (key is not null)
            request.Headers.TryAddWithoutValidation(IdempotencyKeys.Header, key);
        return request;
    }

    private async Task<long> TicketsTitledAsync(string title)
    {
        await using var db = await app.OpenConnectionAsync();
        return await db.ExecuteScalarAsync<long>("SELECT count(*) FROM tickets WHERE title = @title", new { title });
    }

    [Fact]
    public async Task A_retried_create_with_the_same_key_replays_the_first_answer_and_creates_one_ticket()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var title = $"Printer on fire {Guid.NewGuid():N}";
        var key = Guid.NewGuid().ToString();

        using var first = await client.SendAsync(Post("/tickets", new { title, description = "Smoke" }, key));
        using var second = await client.SendAsync(Post("/tickets", new { title, description = "Smoke" }, key));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.False(first.Headers.Contains(IdempotencyKeys.ReplayedHeader));
        Assert.Equal("true", second.Headers.GetValues(IdempotencyKeys.ReplayedHeader).Single());
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(first.Headers.Location, second.Headers.Location);
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
        Assert.Equal("application/json", second.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await TicketsTitledAsync(title));

        // Without a key, or with another, a retry is a new request.
        using var third = await client.SendAsync(Post("/tickets", new { title, description = "Smoke" }, Guid.NewGuid().ToString()));
        Assert.Equal(HttpStatusCode.Created, third.StatusCode);
        Assert.Equal(2, await TicketsTitledAsync(title));
    }

    [Fact]
    public async Task Parallel_requests_with_one_key_create_one_comment_and_the_others_wait_or_replay()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var ticket = await client.CreateTicketAsync(new { title = "Double click", description = "Twice" });
        var key = Guid.NewGuid().ToString();
        var content = $"Sent from two tabs {Guid.NewGuid():N}";

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await client.SendAsync(Post($"/tickets/{ticket.Id()}/comments", new { content, comment_type = "public" }, key));
            return (response.StatusCode, Body: await response.Content.ReadAsStringAsync(), RetryAfter: response.Headers.RetryAfter?.ToString());
        }));

        await using var db = await app.OpenConnectionAsync();
        Assert.Equal(1, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM comments WHERE content = @content", new { content }));
        Assert.All(answers, a => Assert.True(a.StatusCode is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{a.StatusCode}: {a.Body}"));
        Assert.Single(answers.Where(a => a.StatusCode == HttpStatusCode.Created).Select(a => a.Body).Distinct());
        Assert.All(answers.Where(a => a.StatusCode == HttpStatusCode.Conflict), a =>
        {
            Assert.Contains("still being processed", a.Body);
            Assert.Contains($"\"{IdempotencyKeys.ErrorField}\"", a.Body);
            Assert.Equal("1", a.RetryAfter);
        });
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused_and_writes_nothing()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var key = Guid.NewGuid().ToString();
        var title = $"First {Guid.NewGuid():N}";
        (await client.SendAsync(Post("/tickets", new { title, description = "One" }, key))).EnsureSuccessStatusCode();

        var other = $"Second {Guid.NewGuid():N}";
        using var response = await client.SendAsync(Post("/tickets", new { title = other, description = "Two" }, key));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("different request", (await response.JsonAsync()).GetProperty("errors").GetProperty(IdempotencyKeys.ErrorField)[0].GetString());
        Assert.Equal(0, await TicketsTitledAsync(other));
    }

    [Fact]
    public async Task Keys_belong_to_their_user()
    {
        var first = await app.RegisterCustomerAsync();
        var second = await app.RegisterCustomerAsync();
        var key = Guid.NewGuid().ToString();
        var title = $"Shared key {Guid.NewGuid():N}";
        using var asFirst = app.ClientFor(first);
        using var asSecond = app.ClientFor(second);

        using var a = await asFirst.SendAsync(Post("/tickets", new { title, description = "Mine" }, key));
        using var b = await asSecond.SendAsync(Post("/tickets", new { title, description = "Mine" }, key));

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
        Assert.False(b.Headers.Contains(IdempotencyKeys.ReplayedHeader));
        Assert.NotEqual((await a.JsonAsync()).Id(), (await b.JsonAsync()).Id());
        Assert.Equal(2, await TicketsTitledAsync(title));
    }

    [Fact]
    public async Task A_refused_request_releases_its_key_so_the_corrected_retry_runs()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var key = Guid.NewGuid().ToString();
        var title = $"Corrected {Guid.NewGuid():N}";

        using var refused = await client.SendAsync(Post("/tickets", new { title, description = "x", priority = "whenever" }, key));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var missing = await client.SendAsync(Post($"/tickets/{Guid.NewGuid()}/comments", new { content = "x", comment_type = "public" }, key));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await using (var db = await app.OpenConnectionAsync())
            Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE user_id = @Id", new { customer.Id }));

        using var corrected = await client.SendAsync(Post("/tickets", new { title, description = "x", priority = "low" }, key));
        Assert.Equal(HttpStatusCode.Created, corrected.StatusCode);
        Assert.Equal(1, await TicketsTitledAsync(title));
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("tab\tinside")]
    [InlineData("256")]
    public async Task A_malformed_key_is_a_400_naming_the_header_and_writes_nothing(string key)
    {
        if (key == "256")
            key = new string('k', IdempotencyKeys.MaxKeyLength + 1);
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var title = $"Bad key {Guid.NewGuid():N}";
        var request = new HttpRequestMessage(HttpMethod.Post, "/tickets")
        {
            Content = new StringContent($$"""{"title":"{{title}}","description":"x"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation(IdempotencyKeys.Header, key);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(IdempotencyKeys.ErrorField, out _));
        Assert.Equal(0, await TicketsTitledAsync(title));
    }

    [Fact]
    public async Task A_stored_answer_is_not_replayed_after_the_callers_role_changed()
    {
        var agent = await app.CreateUserAsync("agent");
        var customer = await app.RegisterCustomerAsync();
        using var asCustomer = app.ClientFor(customer);
        var ticket = await asCustomer.CreateTicketAsync(new { title = "Needs a note", description = "x" });
        var key = Guid.NewGuid().ToString();
        var note = new { content = $"Internal: refund approved {Guid.NewGuid():N}", comment_type = "private" };
        using (var asAgent = app.ClientFor(agent))
            Assert.Equal(HttpStatusCode.Created, (await asAgent.SendAsync(Post($"/tickets/{ticket.Id()}/comments", note, key))).StatusCode);

        await using (var db = await app.OpenConnectionAsync())
        {
            Assert.Equal(201, await db.ExecuteScalarAsync<int?>("SELECT status FROM idempotency_keys WHERE user_id = @Id", new { agent.Id }));
            await db.ExecuteAsync("UPDATE users SET role = 'customer' WHERE id = @Id", new { agent.Id });
        }
        using var demoted = app.ClientWithToken(await app.LoginAsync(agent.Email, agent.Password));
        // Instances learn of a role change through the users NOTIFY, within a second.
        for (var i = 0; i < 50 && (await demoted.GetAsync("/reports/volume")).StatusCode != HttpStatusCode.Forbidden; i++)
            await Task.Delay(100);
        using var response = await demoted.SendAsync(Post($"/tickets/{ticket.Id()}/comments", note, key));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Conflict, $"{response.StatusCode} {string.Join(",", response.Headers.Select(h => h.Key))} {body}");
        Assert.DoesNotContain("refund approved", body);
        Assert.Contains(IdempotencyKeys.ErrorField, body);
        Assert.Contains("access changed", body);
    }

    [Fact]
    public async Task An_abandoned_first_attempt_is_taken_over_and_expired_keys_are_deleted()
    {
        var customer = await app.RegisterCustomerAsync();
        using var client = app.ClientFor(customer);
        var key = Guid.NewGuid().ToString();
        var title = $"Abandoned {Guid.NewGuid():N}";
        var body = new { title, description = "x" };
        // A first attempt whose instance died mid-request: claimed two minutes ago, never answered.
        await using var db = await app.OpenConnectionAsync();
        using (await client.SendAsync(Post("/tickets", body, key))) { }
        await db.ExecuteAsync("""
            UPDATE idempotency_keys SET status = NULL, body = NULL, locked_at = now() - interval '2 minutes'
            WHERE user_id = @Id AND key = @key
            """, new { customer.Id, key });

        using var retry = await client.SendAsync(Post("/tickets", body, key));
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.False(retry.Headers.Contains(IdempotencyKeys.ReplayedHeader));
        Assert.Equal(2, await TicketsTitledAsync(title));

        await db.ExecuteAsync("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE user_id = @Id", new { customer.Id });
        var cleanup = app.Factory.Services.GetRequiredService<IdempotencyKeysCleanup>();
        Assert.True(await cleanup.DeleteExpiredAsync(CancellationToken.None) >= 1);
        Assert.Equal(0, await db.ExecuteScalarAsync<long>("SELECT count(*) FROM idempotency_keys WHERE user_id = @Id", new { customer.Id }));
    }
}
