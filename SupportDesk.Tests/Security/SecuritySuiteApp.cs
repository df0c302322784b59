using System.Net.Http.Json;
using Dapper;
using Npgsql;

namespace SupportDesk.Tests.Security;

/// <summary>
/// A database and app of their own for the generated suites, with one object of each kind owned by customer A,
/// so requests can be aimed at real rows and a fingerprint of every table can prove a refusal changed nothing.
/// </summary>
public sealed class SecuritySuiteApp : IAsyncDisposable
{
    public required TestDatabase Database { get; init; }
    public required SupportDeskFactory Factory { get; init; }
    public required Dictionary<string, TestUser> Users { get; init; }
    public required Dictionary<string, string> Objects { get; init; }
    private string _fingerprintSql = "";

    public static async Task<SecuritySuiteApp> StartAsync()
    {
        var database = await TestDatabase.CreateAsync("sd_security");
        var factory = new SupportDeskFactory(SupportDeskFactory.DefaultSettings(database.Url));
        using (var probe = factory.CreateClient())
            (await probe.GetAsync("/health")).EnsureSuccessStatusCode();

        var users = new Dictionary<string, TestUser>();
        await using var db = new NpgsqlConnection(database.ConnectionString);
        await db.OpenAsync();
        foreach (var name in new[] { "owner", "stranger", "colleague", "outsider", "agent", "admin", "target", "restricted" })
        {
            var role = name switch { "agent" or "restricted" => "agent", "admin" => "admin", _ => "customer" };
            var email = AppFixture.UniqueEmail(name);
            var password = $"pw-{Guid.NewGuid():N}";
            var id = Guid.CreateVersion7();
            await db.ExecuteAsync("INSERT INTO users (id, email, password_hash, first_name, last_name, role) VALUES (@id, @email, @hash, @name, 'Test', @role)",
                new { id, email, hash = BCrypt.Net.BCrypt.HashPassword(password, 4), name, role });
            if (name == "restricted")
                await db.ExecuteAsync("UPDATE users SET restricted_to_groups = true WHERE id = @id", new { id });
            using var client = factory.CreateClient();
            var login = await (await client.PostAsJsonAsync("/auth/login", new { email, password })).ReadAsync<AuthBody>();
            users[name] = new TestUser(id, email, password, role, login.AccessToken);
        }

        var app = new SecuritySuiteApp { Database = database, Factory = factory, Users = users, Objects = [] };
        // The owner and the colleague share an organization (and may reply on each other's tickets); the outsider is in
        // another shared organization. These stay for the whole run: no route in the suite touches them.
        using (var admin = app.ClientFor("admin"))
        {
            var shared = await admin.CreateOrganizationAsync(shared: true, sharedComments: true, OrganizationTestData.UniqueDomain("owners"));
            await admin.AddMemberAsync(shared.Id(), users["owner"].Id);
            await admin.AddMemberAsync(shared.Id(), users["colleague"].Id);
            var other = await admin.CreateOrganizationAsync(shared: true, sharedComments: true, OrganizationTestData.UniqueDomain("others"));
            await admin.AddMemberAsync(other.Id(), users["outsider"].Id);
        }
        await app.SeedObjectsAsync(db);
        app._fingerprintSql = await BuildFingerprintSqlAsync(db);
        return app;
    }

    public HttpClient ClientFor(string? user)
    {
        var client = Factory.CreateClient();
        if (user is not null)
            client.DefaultRequestHeaders.Authorization = new("Bearer", Users[user].Token);
        return client;
    }

    /// <summary>New objects in place of the seeded ones (after a route deleted them).</summary>
    public async Task RefreshObjectsAsync()
    {
        await using var db = new NpgsqlConnection(Database.ConnectionString);
        await db.OpenAsync();
        await SeedObjectsAsync(db);
    }

    /// <summary>One object of each kind, owned by (or about) customer "owner".</summary>
    private async Task SeedObjectsAsync(NpgsqlConnection db)
    {
        using var owner = ClientFor("owner");
        var ticket = await (await owner.PostAsJsonAsync("/tickets", new { title = "Owner's ticket", description = "Only the owner and staff may see this" })).JsonAsync();
        Objects["ticket"] = ticket.GetProperty("id").GetGuid().ToString();
        Objects["ticket_number"] = ticket.GetProperty("number").GetInt64().ToString();
        Objects["target_user"] = Users["target"].Id.ToString();
        Objects["email_template"] = "ticket_created";
        Objects["email_outbox"] = (await db.ExecuteScalarAsync<Guid?>("SELECT id FROM email_outbox LIMIT 1"))?.ToString() ?? Guid.NewGuid().ToString();
        if (await db.ExecuteScalarAsync<bool>("SELECT to_regclass('knowledge_base_articles') IS NOT NULL"))
        {
            using var agent = ClientFor("agent");
            var article = await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "Reset your password", content = "Step by step", category = "account", tags = new[] { "password" }, is_published = true })).JsonAsync();
            Objects["article"] = article.GetProperty("id").GetGuid().ToString();
            Objects["article_slug"] = article.GetProperty("slug").GetString()!;
        }
        using (var admin = ClientFor("admin"))
            Objects["ticket_field"] = (await admin.CreateFieldAsync(new { key = TicketFieldTestData.UniqueKey("seeded"), label = "Seeded", type = "text", customer_visible = true })).Id().ToString();
        var file = (await owner.UploadAsync(Guid.Parse(Objects["ticket"]), ("seeded.txt", AttachmentTestData.Text())))[0];
        await owner.CommentWithAsync(Guid.Parse(Objects["ticket"]), "public", file.Id());
        Objects["attachment"] = file.Id().ToString();
        // An organization holding customer "target", so its member routes have a member to act on.
        using (var admin = ClientFor("admin"))
        {
            var organization = await admin.CreateOrganizationAsync(domains: OrganizationTestData.UniqueDomain("seeded"));
            Objects["organization"] = organization.Id().ToString();
            await admin.AddMemberAsync(organization.Id(), Users["target"].Id);
            Objects["schedule"] = (await admin.CreateScheduleAsync()).Id().ToString();
            Objects["sla_policy"] = (await admin.CreatePolicyAsync(
                SlaPolicyTestData.ForTag("security-suite-none", [SlaPolicyTestData.Targets("low", resolution: 60)]))).Id().ToString();
        }
        var inbound = Guid.CreateVersion7();
        await db.ExecuteAsync("""
            INSERT INTO inbound_messages (id, source, raw, size, sha256, dedup_key, message_id, sender, subject, status, ticket_id, processed_at)
            VALUES (@inbound, 'smtp', convert_to('Subject: Seeded' || chr(10) || chr(10) || 'Body', 'UTF8'), 23, repeat('a', 64), @inbound::text,
                    '<seeded@client.test>', 'owner@example.test', 'Seeded', 'processed', @ticket, now())
            """, new { inbound, ticket = Guid.Parse(Objects["ticket"]) });
        Objects["inbound_message"] = inbound.ToString();
        var notification = Guid.CreateVersion7();
        await db.ExecuteAsync("INSERT INTO notifications (id, user_id, type, title, body, ticket_id) VALUES (@notification, @owner, 'comment.created', 'New reply', 'Body', @ticket)",
            new { notification, owner = Users["owner"].Id, ticket = Guid.Parse(Objects["ticket"]) });
        Objects["notification"] = notification.ToString();
        using var groupAdmin = ClientFor("admin");
        var group = await (await groupAdmin.PostAsJsonAsync("/groups", new { name = $"Group {Guid.NewGuid():N}" })).JsonAsync();
        Objects["group"] = group.GetProperty("id").GetGuid().ToString();
        (await groupAdmin.PutAsync($"/groups/{Objects["group"]}/members/{Users["agent"].Id}", null)).EnsureSuccessStatusCode();
        var rule = await (await groupAdmin.PostAsJsonAsync("/routing-rules", new { name = "Seeded rule", category = $"seeded-{Guid.NewGuid():N}", add_tags = new[] { "seeded" } })).JsonAsync();
        Objects["routing_rule"] = rule.GetProperty("id").GetGuid().ToString();
        using var viewOwner = ClientFor("agent");
        var view = await (await viewOwner.PostAsJsonAsync("/views", new { name = "Open", shared_with = "everyone", filters = new { status = "open" } })).JsonAsync();
        Objects["view"] = view.GetProperty("id").GetGuid().ToString();
    }

    /// <summary>The value a route parameter takes: the seeded object the route's area and parameter name point at.</summary>
    public string ValueFor(ApiRoute route, string parameter) => (route.Pattern, parameter) switch
    {
        (_, "number") => Objects["ticket_number"],
        (_, "slug") => Objects.GetValueOrDefault("article_slug", "no-such-article"),
        (_, "key") => Objects["email_template"],
        var (p, _) when p.StartsWith("/ticket-fields") => Objects["ticket_field"],
        var (p, _) when p.StartsWith("/tickets") => Objects["ticket"],
        (var p, "userId") when p.StartsWith("/groups") => Users["agent"].Id.ToString(),
        var (p, _) when p.StartsWith("/groups") => Objects["group"],
        var (p, _) when p.StartsWith("/routing-rules") => Objects["routing_rule"],
        var (p, _) when p.StartsWith("/views") => Objects["view"],
        var (p, _) when p.StartsWith("/users") => Objects["target_user"],
        ("/organizations/{id:guid}/members/{userId:guid}", "userId") => Objects["target_user"],
        var (p, _) when p.StartsWith("/organizations") => Objects["organization"],
        var (p, _) when p.StartsWith("/knowledge-base") => Objects.GetValueOrDefault("article", Guid.NewGuid().ToString()),
        var (p, _) when p.StartsWith("/attachments") => Objects["attachment"],
        var (p, _) when p.StartsWith("/notifications") => Objects.GetValueOrDefault("notification", Guid.NewGuid().ToString()),
        var (p, _) when p.StartsWith("/email-outbox") => Objects["email_outbox"],
        var (p, _) when p.StartsWith("/schedules") => Objects["schedule"],
        var (p, _) when p.StartsWith("/sla-policies") => Objects["sla_policy"],
        var (p, _) when p.StartsWith("/inbound-messages") => Objects["inbound_message"],
        _ => Guid.NewGuid().ToString(),
    };

    /// <summary>Row count and newest row version of every table: equal before and after means nothing was written.</summary>
    public async Task<string> FingerprintAsync()
    {
        await using var db = new NpgsqlConnection(Database.ConnectionString);
        return await db.ExecuteScalarAsync<string>(_fingerprintSql) ?? "";
    }

    private static async Task<string> BuildFingerprintSqlAsync(NpgsqlConnection db)
    {
        // Tables written by background work rather than by requests are left out, and the attempt budgets, which a
        // refused sign-in must write: counting failures is what they are for.
        var tables = (await db.QueryAsync<string>("""
            SELECT tablename FROM pg_tables
            WHERE schemaname = 'public' AND tablename NOT IN ('VersionInfo', 'realtime_events', 'account_budgets')
            ORDER BY tablename
            """)).ToList();
        var parts = tables.Select(t => $"(SELECT '{t}:' || count(*) || '/' || coalesce(max(xmin::text::bigint), 0) FROM \"{t}\")");
        return "SELECT " + string.Join(" || ',' || ", parts);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
