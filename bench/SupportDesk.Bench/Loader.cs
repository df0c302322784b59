using System.Diagnostics;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace SupportDesk.Bench;

public sealed record BenchUsers(Guid[] Agents, Guid[] Customers, string AgentEmail, string CustomerEmail, string Password)
{
    /// <summary>The teams (<see cref="Loader.GroupCount"/>); every agent is a member of one or two.</summary>
    public Guid[] Groups { get; init; } = [];
}

/// <summary>Fills the tables with PostgreSQL binary COPY; the triggers build every search vector on the way in.</summary>
public sealed class Loader(NpgsqlDataSource dataSource, TextGenerator text, Action<string> log)
{
    public const string Password = "bench-password-1";
    private static readonly DateTime Start = new(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly string[] Statuses = ["open", "in_progress", "pending", "resolved", "closed"];
    private static readonly string[] Priorities = ["low", "medium", "high", "urgent"];

    /// <summary>Every user's password is <see cref="Password"/>, hashed once at <paramref name="bcryptCost"/> and shared by all rows.</summary>
    public async Task<BenchUsers> LoadAsync(int tickets, int comments, int articles, int customers, int agents = 50, int bcryptCost = 4)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await connection.ExecuteAsync("SET maintenance_work_mem = '512MB'; SET synchronous_commit = off");

        // Secondary indexes are dropped and rebuilt afterwards: one sort-and-build beats a million incremental inserts.
        var indexes = (await connection.QueryAsync<(string Name, string Definition)>("""
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
            FROM pg_index i
            WHERE i.indrelid IN ('tickets'::regclass, 'comments'::regclass, 'knowledge_base_articles'::regclass)
              AND NOT i.indisprimary AND NOT i.indisunique
            """)).AsList();
        foreach (var (name, _) in indexes)
            await connection.ExecuteAsync($"DROP INDEX {name}");

        var users = await LoadUsersAsync(connection, customers, agents, bcryptCost);
        users = users with { Groups = await LoadGroupsAsync(connection, users) };
        await LoadTicketFieldsAsync(connection);
        var now = DateTime.UtcNow;
        await TimedAsync($"{tickets:N0} tickets and {comments:N0} comments", () => LoadTicketsAsync(connection, users, tickets, comments, now));
        await TimedAsync("SLA targets", () => connection.ExecuteAsync(new CommandDefinition(SlaTargetsSql, new { Now = now }, commandTimeout: 0)));
        await TimedAsync($"{articles:N0} articles", () => LoadArticlesAsync(connection, users, articles));
        await TimedAsync($"{indexes.Count} indexes", async () =>
        {
            foreach (var (_, definition) in indexes)
                await connection.ExecuteAsync(new CommandDefinition(definition, commandTimeout: 0));
        });
        await TimedAsync("VACUUM ANALYZE", () => connection.ExecuteAsync(new CommandDefinition("VACUUM ANALYZE", commandTimeout: 0)));
        return users;
    }

    public const int GroupCount = 10;

    /// <summary>Ten teams; agent k is in team k mod 10, and every third agent also in the next one.</summary>
    private static async Task<Guid[]> LoadGroupsAsync(NpgsqlConnection connection, BenchUsers users)
    {
        var groups = Enumerable.Range(0, GroupCount).Select(_ => Guid.CreateVersion7()).ToArray();
        await connection.ExecuteAsync("INSERT INTO groups (id, name, description) SELECT id, 'Team ' || (n - 1), 'bench team' FROM unnest(@Groups) WITH ORDINALITY AS g(id, n)",
            new { Groups = groups });
        await connection.ExecuteAsync("""
            INSERT INTO group_members (group_id, user_id)
            SELECT (@Groups::uuid[])[1 + (a.n - 1) % @Count], a.id FROM unnest(@Agents) WITH ORDINALITY AS a(id, n)
            UNION
            SELECT (@Groups::uuid[])[1 + a.n % @Count], a.id FROM unnest(@Agents) WITH ORDINALITY AS a(id, n) WHERE a.n % 3 = 0
            """, new { Groups = groups, users.Agents, Count = GroupCount });
        return groups;
    }

    // Ticket i's team: one of ten, one ticket in eleven in none.
    private static Guid? GroupOf(BenchUsers users, int i) => i % (GroupCount + 1) is var g && g < GroupCount ? users.Groups[g] : null;

    // One unsolved ticket in three has a running resolution target, due between 2,000 minutes ago (breached: a tenth of
    // them) and 18,000 minutes ahead, spread evenly; the rest have none.
    private static DateTime? SlaDueOf(int i, string status, DateTime now) =>
        status is "open" or "in_progress" or "pending" && i % 3 == 0 ? now.AddMinutes((i / 3 * 7919L) % 20_000 - 2_000) : null;

    /// <summary>The targets behind tickets.sla_due_at, with breached_at stamped on those past due (as the SLA job would).</summary>
    private const string SlaTargetsSql = """
        INSERT INTO ticket_sla_targets (ticket_id, target, policy_id, priority, minutes, started_at, running_since, due_at, breached_at)
        SELECT t.id, 'resolution', '00000000-0000-0000-0000-000000000001', t.priority, 480, t.created_at, t.created_at, t.sla_due_at,
               CASE WHEN t.sla_due_at < @Now THEN t.sla_due_at END
        FROM tickets t
        WHERE t.sla_due_at IS NOT NULL
        """;

    /// <summary>The plans of the "plan" dropdown: each about a quarter of the tickets.</summary>
    public static readonly string[] Plans = ["free", "basic", "pro", "enterprise"];

    /// <summary>Ticket i's order number: one ticket each, the selective filter.</summary>
    public static string OrderNumber(int i) => $"ORD-{i:D7}";

    // Every ticket holds an order number (unique), a plan (four values) and a staff-only score: the values the
    // custom-field filter benchmark looks up.
    private string CustomFields(int i) =>
        $$"""{"order_number": "{{OrderNumber(i)}}", "plan": "{{Plans[i % Plans.Length]}}", "risk_score": {{text.Next(100)}}}""";

    /// <summary>Ten definitions, as a team might have: the three the tickets hold values for and seven without any.</summary>
    private static async Task LoadTicketFieldsAsync(NpgsqlConnection connection)
    {
        await connection.ExecuteAsync("""
            INSERT INTO ticket_fields (id, key, label, type, options, customer_visible, customer_editable, position) VALUES
                (gen_random_uuid(), 'order_number', 'Order number', 'text', '[]', true, true, 0),
                (gen_random_uuid(), 'plan', 'Plan', 'dropdown',
                 '[{"value":"free","label":"Free"},{"value":"basic","label":"Basic"},{"value":"pro","label":"Pro"},{"value":"enterprise","label":"Enterprise"}]', true, false, 1),
                (gen_random_uuid(), 'risk_score', 'Risk score', 'number', '[]', false, false, 2)
            """);
        for (var i = 0; i < 7; i++)
            await connection.ExecuteAsync("INSERT INTO ticket_fields (id, key, label, type, position) VALUES (gen_random_uuid(), @Key, @Label, 'text', @Position)",
                new { Key = $"extra_{i}", Label = $"Extra {i}", Position = 3 + i });
    }

    private async Task TimedAsync(string what, Func<Task> action)
    {
        var watch = Stopwatch.StartNew();
        await action();
        log($"loaded {what} in {watch.Elapsed.TotalSeconds:N0} s");
    }

    private static async Task<BenchUsers> LoadUsersAsync(NpgsqlConnection connection, int customers, int agentCount, int bcryptCost)
    {
        var hash = BCrypt.Net.BCrypt.HashPassword(Password, bcryptCost);
        var agents = Enumerable.Range(0, agentCount).Select(_ => Guid.CreateVersion7()).ToArray();
        var customerIds = Enumerable.Range(0, customers).Select(_ => Guid.CreateVersion7()).ToArray();
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY users (id, email, password_hash, first_name, last_name, role) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < agents.Length; i++)
                await WriteUserAsync(writer, agents[i], $"agent{i}@bench.test", hash, "agent");
            for (var i = 0; i < customerIds.Length; i++)
                await WriteUserAsync(writer, customerIds[i], $"customer{i}@bench.test", hash, "customer");
            await writer.CompleteAsync();
        }
        return new BenchUsers(agents, customerIds, "agent0@bench.test", "customer0@bench.test", Password);
    }

    private static async Task WriteUserAsync(NpgsqlBinaryImporter writer, Guid id, string email, string hash, string role)
    {
        await writer.StartRowAsync();
        await writer.WriteAsync(id, NpgsqlDbType.Uuid);
        await writer.WriteAsync(email, NpgsqlDbType.Text);
        await writer.WriteAsync(hash, NpgsqlDbType.Text);
        await writer.WriteAsync("Bench", NpgsqlDbType.Text);
        await writer.WriteAsync(role, NpgsqlDbType.Text);
        await writer.WriteAsync(role, NpgsqlDbType.Text);
    }

    private async Task LoadTicketsAsync(NpgsqlConnection connection, BenchUsers users, int tickets, int comments, DateTime now)
    {
        var span = TimeSpan.FromDays(3 * 365).Ticks;
        var commentsPerTicket = (double)comments / tickets;
        var commentRows = new List<(Guid TicketId, Guid RequesterId, DateTime At)>(comments + tickets);

        // Tickets in creation order, as a live system writes them.
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY tickets (id, title, description, status, priority, category, tags, requester_id, assignee_id, created_by, created_at, updated_at, deleted_at, custom_fields,
                          group_id, sla_due_at, sla_breached)
            FROM STDIN (FORMAT BINARY)
            """))
        {
            for (var i = 0; i < tickets; i++)
            {
                var id = Guid.CreateVersion7();
                var createdAt = Start.AddTicks(span / tickets * i);
                // Customer 0 is the one the benchmark signs in as; everyone has about the same number of tickets.
                var requester = users.Customers[text.Next(users.Customers.Length)];
                await writer.StartRowAsync();
                await writer.WriteAsync(id, NpgsqlDbType.Uuid);
                await writer.WriteAsync(text.TicketTitle(), NpgsqlDbType.Text);
                await writer.WriteAsync(text.Paragraph(2, 7), NpgsqlDbType.Text);
                var status = Statuses[text.Next(Statuses.Length)];
                await writer.WriteAsync(status, NpgsqlDbType.Text);
                await writer.WriteAsync(Priorities[text.Next(Priorities.Length)], NpgsqlDbType.Text);
                await writer.WriteAsync(text.Category(), NpgsqlDbType.Text);
                await writer.WriteAsync(text.Tags(), NpgsqlDbType.Array | NpgsqlDbType.Text);
                await writer.WriteAsync(requester, NpgsqlDbType.Uuid);
                if (text.Next(4) == 0)
                    await writer.WriteNullAsync();
                else
                    await writer.WriteAsync(users.Agents[text.Next(users.Agents.Length)], NpgsqlDbType.Uuid);
                await writer.WriteAsync(requester, NpgsqlDbType.Uuid);
                await writer.WriteAsync(createdAt, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(createdAt, NpgsqlDbType.TimestampTz);
                if (text.Next(100) == 0)
                    await writer.WriteAsync(createdAt.AddDays(1), NpgsqlDbType.TimestampTz);
                else
                    await writer.WriteNullAsync();
                await writer.WriteAsync(CustomFields(i), NpgsqlDbType.Jsonb);
                if (GroupOf(users, i) is { } group)
                    await writer.WriteAsync(group, NpgsqlDbType.Uuid);
                else
                    await writer.WriteNullAsync();
                var slaDue = SlaDueOf(i, status, now);
                if (slaDue is { } due)
                    await writer.WriteAsync(due, NpgsqlDbType.TimestampTz);
                else
                    await writer.WriteNullAsync();
                // The flag the SLA job keeps (M20261205150000): breached exactly where SlaTargetsSql stamps breached_at.
                await writer.WriteAsync(slaDue < now, NpgsqlDbType.Boolean);

                var n = (int)commentsPerTicket + (text.NextDouble() < commentsPerTicket % 1 ? 1 : 0);
                for (var c = 0; c < n && commentRows.Count < comments; c++)
                    commentRows.Add((id, requester, createdAt.AddMinutes(30 + text.Next(60 * 24 * 7))));
                if (i % 200_000 == 199_999)
                    log($"  {i + 1:N0} tickets");
            }
            await writer.CompleteAsync();
        }

        commentRows.Sort((a, b) => a.At.CompareTo(b.At));
        await using (var writer = await connection.BeginBinaryImportAsync(
            "COPY comments (id, ticket_id, author_id, content, comment_type, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < commentRows.Count; i++)
            {
                var (ticketId, requesterId, at) = commentRows[i];
                var fromAgent = text.Next(2) == 0;
                await writer.StartRowAsync();
                await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
                await writer.WriteAsync(ticketId, NpgsqlDbType.Uuid);
                await writer.WriteAsync(fromAgent ? users.Agents[text.Next(users.Agents.Length)] : requesterId, NpgsqlDbType.Uuid);
                await writer.WriteAsync(text.Paragraph(1, 3), NpgsqlDbType.Text);
                // A fifth of the comments are agents' private notes.
                await writer.WriteAsync(fromAgent && text.Next(5) < 2 ? "private" : "public", NpgsqlDbType.Text);
                await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                await writer.WriteAsync(at, NpgsqlDbType.TimestampTz);
                if (i % 500_000 == 499_999)
                    log($"  {i + 1:N0} comments");
            }
            await writer.CompleteAsync();
        }
    }

    private async Task LoadArticlesAsync(NpgsqlConnection connection, BenchUsers users, int articles)
    {
        var span = TimeSpan.FromDays(3 * 365).Ticks;
        await using var writer = await connection.BeginBinaryImportAsync("""
            COPY knowledge_base_articles (id, title, content, category, tags, is_published, author_id, slug, view_count, created_at, updated_at)
            FROM STDIN (FORMAT BINARY)
            """);
        for (var i = 0; i < articles; i++)
        {
            var createdAt = Start.AddTicks(span / articles * i);
            await writer.StartRowAsync();
            await writer.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid);
            await writer.WriteAsync(text.ArticleTitle(), NpgsqlDbType.Text);
            await writer.WriteAsync(text.ArticleContent(), NpgsqlDbType.Text);
            await writer.WriteAsync(text.Category(), NpgsqlDbType.Text);
            await writer.WriteAsync(text.Tags(), NpgsqlDbType.Array | NpgsqlDbType.Text);
            await writer.WriteAsync(text.Next(5) != 0, NpgsqlDbType.Boolean);
            await writer.WriteAsync(users.Agents[text.Next(users.Agents.Length)], NpgsqlDbType.Uuid);
            await writer.WriteAsync($"bench-article-{i}", NpgsqlDbType.Text);
            await writer.WriteAsync((long)text.Next(5000), NpgsqlDbType.Bigint);
            await writer.WriteAsync(createdAt, NpgsqlDbType.TimestampTz);
            await writer.WriteAsync(createdAt, NpgsqlDbType.TimestampTz);
        }
        await writer.CompleteAsync();
    }
}
