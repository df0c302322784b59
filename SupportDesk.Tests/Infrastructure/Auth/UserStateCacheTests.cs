using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SupportDesk.Infrastructure.Auth;

namespace SupportDesk.Tests.Infrastructure.Auth;

/// <summary>Two instances on one database, as a deployment runs them.</summary>
public sealed class TwoInstancesFixture(AppFixture app) : IAsyncLifetime
{
    public KestrelApp A { get; private set; } = null!;
    public KestrelApp B { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var started = await Task.WhenAll(KestrelApp.StartAsync(app.Database.Url), KestrelApp.StartAsync(app.Database.Url));
        (A, B) = (started[0], started[1]);
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
    }
}

/// <summary>
/// The per-request user check is cached per instance. A change made through one instance takes effect on every other
/// within one second (the users trigger's NOTIFY, and a heartbeat that bounds how old the cache's knowledge may be);
/// on the instance that made it, from the next request; and an instance that cannot hear changes checks the database.
/// "Within one second" holds by construction: one second after the commit, an instance either has heard the change or
/// no longer trusts its cache, so a request it accepts after that is a bug, not a slow machine.
/// </summary>
public sealed class UserStateCacheTests(AppFixture app, TwoInstancesFixture instances) : IClassFixture<TwoInstancesFixture>
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_deactivation_on_one_instance_is_refused_by_the_other_within_a_second()
    {
        var admin = await app.CreateUserAsync("admin");
        var subject = await app.CreateUserAsync("agent");
        await CachedOnAsync(instances.B, subject);

        using var adminOnA = Client(instances.A, admin.Token);
        Assert.Equal(HttpStatusCode.OK, (await adminOnA.PatchJsonAsync($"/users/{subject.Id}", new { is_active = false })).StatusCode);

        await RefusedWithinBoundAsync(instances.B, subject.Token);
        // The instance that made the change refuses from the next request on.
        Assert.False(instances.A.Services.GetRequiredService<UserStateCache>().Holds(subject.Id));
        using (var onA = Client(instances.A, subject.Token))
            await (await onA.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await using var db = await app.OpenConnectionAsync();
        Assert.False(await db.ExecuteScalarAsync<bool>("SELECT is_active FROM users WHERE id = @Id", new { subject.Id }));
    }

    [Fact]
    public async Task A_role_change_on_one_instance_applies_on_the_other_within_a_second()
    {
        var admin = await app.CreateUserAsync("admin");
        var subject = await app.CreateUserAsync("agent");
        await CachedOnAsync(instances.B, subject);
        using (var before = Client(instances.B, subject.Token))
        {
            Assert.Equal("agent", (await before.GetOkAsync("/auth/me")).GetProperty("role").GetString());
            // Past authorization (staff only), stopped by validation.
            await (await before.PostAsJsonAsync("/knowledge-base", new { })).AssertProblemAsync(HttpStatusCode.BadRequest);
        }

        using var adminOnA = Client(instances.A, admin.Token);
        Assert.Equal(HttpStatusCode.OK, (await adminOnA.PatchJsonAsync($"/users/{subject.Id}", new { role = "customer" })).StatusCode);

        await RefusedWithinBoundAsync(instances.B, subject.Token);
        // A fresh token works on B, with the new role: staff routes are closed to it.
        var fresh = await app.LoginAsync(subject.Email, subject.Password);
        using var freshOnB = Client(instances.B, fresh);
        Assert.Equal("customer", (await freshOnB.GetOkAsync("/auth/me")).GetProperty("role").GetString());
        await (await freshOnB.PostAsJsonAsync("/knowledge-base", new { })).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_password_change_on_one_instance_retires_the_old_token_on_the_other_within_a_second()
    {
        var subject = await app.CreateUserAsync("agent");
        await CachedOnAsync(instances.B, subject);

        using var ownOnA = Client(instances.A, subject.Token);
        Assert.Equal(HttpStatusCode.OK, (await ownOnA.PostAsJsonAsync("/auth/change-password",
            new { current_password = subject.Password, new_password = "another-long-password" })).StatusCode);

        await RefusedWithinBoundAsync(instances.B, subject.Token);
        await (await ownOnA.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var fresh = await app.LoginAsync(subject.Email, "another-long-password");
        using var freshOnB = Client(instances.B, fresh);
        Assert.Equal(subject.Id.ToString(), (await freshOnB.GetOkAsync("/auth/me")).GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_change_made_in_the_database_alone_reaches_both_instances_within_a_second()
    {
        var subject = await app.CreateUserAsync("customer");
        await CachedOnAsync(instances.A, subject);
        await CachedOnAsync(instances.B, subject);

        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("DELETE FROM users WHERE id = @Id", new { subject.Id });

        await RefusedWithinBoundAsync(instances.A, subject.Token);
        await RefusedWithinBoundAsync(instances.B, subject.Token);
    }

    [Fact]
    public async Task With_its_listener_connection_killed_an_instance_checks_the_database_and_still_refuses()
    {
        await using var instance = await KestrelApp.StartAsync(app.Database.Url);
        var listener = instance.Services.GetRequiredService<UserChangeListener>();
        var subject = await app.CreateUserAsync("agent");
        await CachedOnAsync(instance, subject);
        var firstPid = listener.ListenerProcessId ?? throw new InvalidOperationException("the listener is not up");

        await using (var db = await app.OpenConnectionAsync())
        {
            Assert.True(await db.ExecuteScalarAsync<bool>("SELECT pg_terminate_backend(@firstPid)", new { firstPid }));
            // Straight in the database while the listener is down: nobody invalidates anything, the NOTIFY is not heard.
            await db.ExecuteAsync("UPDATE users SET is_active = false WHERE id = @Id", new { subject.Id });
        }
        await RefusedWithinBoundAsync(instance, subject.Token);

        // It comes back on a new connection, forgets what it held, and hears changes again.
        var deadline = Stopwatch.StartNew();
        while (listener.ListenerProcessId is not { } pid || pid == firstPid)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the listener did not reconnect");
            await Task.Delay(50);
        }
        using (var client = Client(instance, subject.Token))
            await (await client.GetAsync("/auth/me")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        var other = await app.CreateUserAsync("agent");
        await CachedOnAsync(instance, other);
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE users SET token_version = token_version + 1 WHERE id = @Id", new { other.Id });
        await RefusedWithinBoundAsync(instance, other.Token);
    }

    [Fact]
    public async Task An_instance_that_cannot_vouch_for_its_cache_reads_the_database()
    {
        var cache = new UserStateCache();
        var dataSource = app.Factory.Services.GetRequiredService<NpgsqlDataSource>();
        var subject = await app.CreateUserAsync("agent");

        cache.Heard(Stopwatch.GetTimestamp());
        Assert.True((await cache.GetAsync(dataSource, subject.Id, CancellationToken.None))!.IsActive);
        Assert.True(cache.Holds(subject.Id));
        await using (var db = await app.OpenConnectionAsync())
            await db.ExecuteAsync("UPDATE users SET is_active = false WHERE id = @Id", new { subject.Id });

        // Heard nothing for longer than the window (a stalled heartbeat): the cached "active" is not used.
        cache.Heard(Stopwatch.GetTimestamp() - (long)(UserStateCache.TrustWindow.TotalSeconds * Stopwatch.Frequency) - 1);
        Assert.False(cache.Trusted);
        Assert.False((await cache.GetAsync(dataSource, subject.Id, CancellationToken.None))!.IsActive);
        // Listener gone: the same.
        cache.Deaf();
        Assert.False((await cache.GetAsync(dataSource, subject.Id, CancellationToken.None))!.IsActive);
        // While trusted, the cached answer stands until it is invalidated: this is what the NOTIFY is for.
        cache.Heard(Stopwatch.GetTimestamp());
        Assert.True((await cache.GetAsync(dataSource, subject.Id, CancellationToken.None))!.IsActive);
        cache.Invalidate(subject.Id);
        Assert.False((await cache.GetAsync(dataSource, subject.Id, CancellationToken.None))!.IsActive);
    }

    private static HttpClient Client(KestrelApp instance, string token)
    {
        var client = instance.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Signed in on the instance until its cache holds the user (it holds nothing while its listener is not up yet).</summary>
    private static async Task CachedOnAsync(KestrelApp instance, TestUser user)
    {
        var cache = instance.Services.GetRequiredService<UserStateCache>();
        using var client = Client(instance, user.Token);
        var deadline = Stopwatch.StartNew();
        do
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/auth/me")).StatusCode);
            if (cache.Holds(user.Id))
                return;
            await Task.Delay(50);
        }
        while (deadline.Elapsed < TimeSpan.FromSeconds(30));
        Assert.Fail($"the instance never cached the user (trusted now: {cache.Trusted}, listener backend: {instance.Services.GetRequiredService<UserChangeListener>().ListenerProcessId})");
    }

    /// <summary>
    /// Asks until refused. Every request sent a second or more after the change must be refused, whatever the
    /// machine's load: by then the instance has either heard it or stopped trusting its cache.
    /// </summary>
    private static async Task RefusedWithinBoundAsync(KestrelApp instance, string token)
    {
        using var client = Client(instance, token);
        var since = Stopwatch.StartNew();
        while (true)
        {
            var sentAfter = since.Elapsed;
            var response = await client.GetAsync("/auth/me");
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
                return;
            }
            // Still accepted (a deleted user's /auth/me then finds no row: 404).
            Assert.Contains(response.StatusCode, new[] { HttpStatusCode.OK, HttpStatusCode.NotFound });
            Assert.True(sentAfter < Bound, $"a request sent {sentAfter.TotalMilliseconds:F0} ms after the change was still accepted");
            await Task.Delay(20);
        }
    }
}
