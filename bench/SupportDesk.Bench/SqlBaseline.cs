using System.Text.Json;
using System.Text;
using Dapper;
using Npgsql;
using SupportDesk.Features.Auth.Login;
using SupportDesk.Features.KnowledgeBase.SearchArticles;
using SupportDesk.Features.Search.GlobalSearch;
using SupportDesk.Features.Tickets.AddComment;
using SupportDesk.Features.Tickets.CreateTicket;
using SupportDesk.Features.Tickets.ListTickets;
using SupportDesk.Features.Tickets.UpdateTicket;
using SupportDesk.Features.Tickets;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Database;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Notifications;
using SupportDesk.Infrastructure.Realtime;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Bench;

/// <summary>
/// The limit the service can approach: the statements its handlers run (their own SQL constants), in the same order
/// and transactions, straight through Npgsql and Dapper, with none of HTTP, JSON bodies, JWT, validation or mediator.
/// The token's user-state check is left out unless asked for: the service answers it from memory.
/// Template rendering is left out: the outbox row is written with the stored template text.
/// </summary>
internal sealed class SqlBaseline(NpgsqlDataSource dataSource, JsonSerializerOptions json, bool checkUser)
{
    private static readonly GlobalSearchHandler.Statements GlobalStaff = new(staff: true, "english");
    private static readonly GlobalSearchHandler.Statements GlobalCustomer = new(staff: false, "english");
    private static readonly string GlobalPage = GlobalSearchHandler.PageSqlFor("english");

    private sealed class UserState
    {
        public string Role { get; init; } = "";
        public bool IsActive { get; init; }
        public int TokenVersion { get; init; }
    }

    private sealed class LoginRow
    {
        public Guid Id { get; init; }
        public string Email { get; init; } = "";
        public bool IsActive { get; init; }
        public string PasswordHash { get; init; } = "";
        public int TokenVersion { get; init; }
    }

    private sealed class Recipient
    {
        public string Email { get; init; } = "";
        public string FirstName { get; init; } = "";
        public string LastName { get; init; } = "";
        public bool IsActive { get; init; }
    }

    private sealed class Template
    {
        public string Subject { get; init; } = "";
        public string HtmlBody { get; init; } = "";
        public string TextBody { get; init; } = "";
        public bool IsActive { get; init; }
    }

    private sealed record FieldChange(string Field, string? Old, string? New);

    // The service answers the token's user check from its cache (UserStateCache) while its listener is healthy, so by
    // default neither the baseline nor the bare floor runs it; --baseline-user-check puts the round trip back.
    private async Task<bool> UserOkAsync(NpgsqlConnection connection, BenchUser user) =>
        !checkUser || await connection.QuerySingleOrDefaultAsync<UserState>(AuthSetup.UserStateSql, new { user.Id }) is { IsActive: true };

    public async Task<object?> LoginAsync(BenchUser user, string password)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var row = await connection.QuerySingleOrDefaultAsync<LoginRow>(LoginHandler.Sql, new { Email = user.Email });
        var ok = await Task.Run(() => BCrypt.Net.BCrypt.Verify(password, row?.PasswordHash ?? ""));
        if (!ok || row is not { IsActive: true })
            return null;
        var refresh = RefreshTokens.NewToken();
        await connection.ExecuteAsync(RefreshTokens.InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            UserId = row.Id,
            FamilyId = Guid.CreateVersion7(),
            Hash = RefreshTokens.Hash(refresh),
            ExpiresAt = DateTime.UtcNow.AddDays(30),
        });
        return new { user_id = row.Id, refresh_token = refresh };
    }

    public async Task<object?> GetTicketAsync(BenchUser user, Guid ticketId)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, user))
            return null;
        return await LoadTicketAsync(connection, null, user, ticketId);
    }

    // The service's own ticket read (prepared, the statement chosen by the caller's reach), so the baselines cannot drift from it.
    private static async Task<TicketResponse?> LoadTicketAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, BenchUser user, Guid ticketId)
    {
        try
        {
            return await TicketAccess.LoadAsync(connection, transaction, ticketId, new CurrentUser(user.Id, Roles.Parse(user.Role)), CancellationToken.None);
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public async Task<object?> ListTicketsAsync(ListTicketsQuery query, BenchUser user)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, user))
            return null;
        var peers = query.User.IsStaff ? null : await SupportDesk.Infrastructure.Auth.TicketVisibility.PeersAsync(connection, null, query.User.Id, default);
        await using var results = await connection.QueryMultipleAsync(ListTicketsHandler.SqlFor(query, "english"), ListTicketsHandler.ParametersFor(query, null, peers));
        var items = (await results.ReadAsync<TicketResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<TicketResponse>(items, total, query.Limit, query.Offset);
    }

    /// <summary>GET /auth/me: the caller's own row, as UserByIdHandler reads it.</summary>
    public async Task<object?> MeAsync(BenchUser user)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, user))
            return null;
        return await connection.QuerySingleOrDefaultAsync<UserResponse>(UserByIdHandler.Sql, new { user.Id });
    }

    public async Task<object?> SearchArticlesAsync(BenchUser user, string query)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, user))
            return null;
        await using var transaction = await connection.BeginSearchAsync(CancellationToken.None);
        var rows = (await connection.QueryAsync(SearchArticlesHandler.SqlFor(seesDrafts: user.IsStaff, inCategory: false, "english"),
            SearchParameters(query, user.Id), transaction)).AsList();
        await transaction.CommitAsync();
        return rows.Select(r => (IDictionary<string, object?>)r).ToList();
    }

    public async Task<object?> GlobalSearchAsync(BenchUser user, string query)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, user))
            return null;
        return await GlobalSearchHandler.SearchAsync(dataSource, user.IsStaff ? GlobalStaff : GlobalCustomer, GlobalPage,
            new GlobalSearchQuery(new CurrentUser(user.Id, user.IsStaff ? UserRole.Agent : UserRole.Customer), query, 20, 0), CancellationToken.None);
    }

    private static object SearchParameters(string query, Guid userId) => new
    {
        Query = query,
        UserId = userId,
        Category = (string?)null,
        Cap = FullTextSql.CandidateLimit,
        Limit = 20,
        Offset = 0,
        SearchSnippets.Markers,
        SearchSnippets.HeadlineOptions,
    };

    /// <summary>CreateTicketHandler + TicketActivity.CreatedAsync: insert, history, ticket.created, the requester's email.</summary>
    public async Task<object?> CreateTicketAsync(BenchUser actor, string title, string description, string priority, string category)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, actor))
            return null;
        await using var transaction = await connection.BeginTransactionAsync();
        var ticket = await connection.QuerySingleAsync<TicketResponse>(CreateTicketHandler.InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            Title = title,
            Description = description,
            Priority = priority,
            Category = category,
            Tags = Array.Empty<string>(),
            RequesterId = actor.Id,
            CreatedBy = actor.Id,
            CustomFields = "{}",
            GroupId = (Guid?)null,
        }, transaction);
        await HistoryAsync(connection, transaction, ticket.Id, actor, [("created", null, null, ticket.Title, false)]);
        await PublishAsync(connection, transaction, RealtimeEventTypes.TicketCreated, ticket, false, null, ticket);
        await NamesAsync(connection, transaction, [actor.Id], ticket.GroupId);
        await EmailAsync(connection, transaction, EmailTemplateKeys.TicketCreated, ticket.RequesterId, ticket.Id);
        await transaction.CommitAsync();
        return ticket;
    }

    /// <summary>AddCommentHandler + TicketActivity.CommentedAsync for a customer's public reply on their own ticket.</summary>
    public async Task<object?> AddCommentAsync(BenchUser actor, Guid ticketId, string content)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, actor))
            return null;
        await using var transaction = await connection.BeginTransactionAsync();
        var ticket = await LoadTicketAsync(connection, transaction, actor, ticketId);
        if (ticket is null)
            return null;
        var now = DateTime.UtcNow;
        var comment = await connection.QuerySingleAsync<CommentResponse>(AddCommentHandler.InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            TicketId = ticketId,
            AuthorId = actor.Id,
            Content = content,
            CommentType = "public",
            Now = now,
        }, transaction);
        var history = new List<(string, string?, string?, string?, bool)> { ("commented", "comment", null, comment.Id.ToString(), false) };
        var status = ticket.Status;
        var (resolvedAt, closedAt) = (ticket.ResolvedAt, ticket.ClosedAt);
        if (!actor.IsStaff && status is "pending" or "resolved")
        {
            (resolvedAt, closedAt) = (null, null);
            history.Add(("status_changed", "status", ticket.Status, "open", false));
            status = "open";
        }
        await connection.ExecuteAsync(AddCommentHandler.TouchTicketSql, new
        {
            TicketId = ticketId, Status = status, ResolvedAt = resolvedAt, ClosedAt = closedAt, ticket.FirstResponseAt,
        }, transaction);
        await HistoryAsync(connection, transaction, ticketId, actor, history);
        await PublishAsync(connection, transaction, RealtimeEventTypes.CommentCreated, ticket, false, null, comment);
        if (status != ticket.Status)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketStatusChanged, ticket, false, null,
                new { from = ticket.Status, to = status, ticket_id = ticket.Id });
        if ((actor.IsStaff ? ticket.RequesterId : ticket.AssigneeId) is { } recipient)
        {
            await NamesAsync(connection, transaction, [actor.Id, .. ticket.AssigneeId is { } a ? new[] { a } : []], ticket.GroupId);
            if (recipient != actor.Id)
            {
                await NotifyAsync(connection, transaction, recipient, RealtimeEventTypes.CommentCreated, $"New reply on #{ticket.Number}", content, ticket);
                await EmailAsync(connection, transaction, EmailTemplateKeys.CommentAdded, recipient, ticket.Id);
            }
        }
        await transaction.CommitAsync();
        return comment;
    }

    /// <summary>UpdateTicketHandler + TicketActivity.UpdatedAsync for an agent's PATCH of priority and status.</summary>
    public async Task<object?> UpdateTicketAsync(BenchUser actor, Guid ticketId, string priority, string status)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        if (!await UserOkAsync(connection, actor))
            return null;
        await using var transaction = await connection.BeginTransactionAsync();
        var before = await LoadTicketAsync(connection, transaction, actor, ticketId);
        if (before is null)
            return null;
        var history = new List<(string, string?, string?, string?, bool)>();
        if (priority != before.Priority)
            history.Add(("updated", "priority", before.Priority, priority, false));
        if (status != before.Status)
            history.Add(("status_changed", "status", before.Status, status, false));
        if (history.Count == 0)
            return before;
        var after = await connection.QuerySingleAsync<TicketResponse>(UpdateTicketHandler.UpdateSql, new
        {
            before.Id, before.Title, before.Description, Status = status, Priority = priority, before.Category, before.Tags,
            before.AssigneeId, before.GroupId, before.ResolvedAt, before.ClosedAt, CustomFields = before.StoredCustomFields,
        }, transaction);
        await HistoryAsync(connection, transaction, ticketId, actor, history);
        if (priority != before.Priority)
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketUpdated, after, false, null,
                new { changes = new[] { new FieldChange("priority", before.Priority, priority) }, ticket = after });
        if (status != before.Status)
        {
            await PublishAsync(connection, transaction, RealtimeEventTypes.TicketStatusChanged, after, false, null,
                new { from = before.Status, to = after.Status, ticket = after });
            await NamesAsync(connection, transaction, [actor.Id, .. after.AssigneeId is { } a ? new[] { a } : []], after.GroupId);
            if (after.RequesterId != actor.Id)
            {
                await NotifyAsync(connection, transaction, after.RequesterId, RealtimeEventTypes.TicketStatusChanged,
                    $"#{after.Number} is now {after.Status.Replace('_', ' ')}", after.Title, after);
                await EmailAsync(connection, transaction, EmailTemplateKeys.TicketStatusChanged, after.RequesterId, after.Id);
            }
        }
        await transaction.CommitAsync();
        return after;
    }

    private static Task HistoryAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid ticketId, BenchUser actor,
        IReadOnlyList<(string Action, string? Field, string? Old, string? New, bool Private)> entries) =>
        connection.ExecuteAsync(TicketActivity.InsertHistorySql, new
        {
            TicketId = ticketId,
            ActorId = actor.Id,
            At = DateTime.UtcNow,
            Ids = entries.Select(_ => Guid.CreateVersion7()).ToArray(),
            Actions = entries.Select(e => e.Action).ToArray(),
            Fields = entries.Select(e => e.Field).ToArray(),
            OldValues = entries.Select(e => e.Old).ToArray(),
            NewValues = entries.Select(e => e.New).ToArray(),
            Private = entries.Select(e => e.Private).ToArray(),
        }, transaction);

    private static Task NamesAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid[] ids, Guid? groupId) =>
        connection.QueryAsync<(Guid, string)>(TicketActivity.NamesSql, new { Ids = ids.Distinct().ToArray(), GroupId = groupId }, transaction);

    /// <summary>RealtimeEvents.PublishAsync: the requester's organization (for events their colleagues hear), the event row and its NOTIFY.</summary>
    private async Task PublishAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string type, TicketResponse ticket,
        bool staffOnly, Guid? target, object data)
    {
        var now = DateTimeOffset.UtcNow;
        var organization = !staffOnly && target is null
            ? await connection.ExecuteScalarAsync<Guid?>(TicketVisibility.SharedOrganizationOf, new { UserId = ticket.RequesterId }, transaction)
            : null;
        var routing = new RoutedEvent(Guid.CreateVersion7(), type, ticket.Id, target is null ? ticket.RequesterId : null, staffOnly || target is not null,
            target, new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero), organization, ticket.GroupId, ticket.AssigneeId);
        var bytes = JsonSerializer.SerializeToUtf8Bytes(data, data.GetType(), json);
        var envelope = RealtimeWire.WriteEnvelope(routing, bytes);
        await connection.ExecuteAsync(RealtimeEvents.Sql, new
        {
            routing.Id,
            routing.Type,
            routing.TicketId,
            routing.RequesterId,
            routing.StaffOnly,
            routing.TargetUserId,
            routing.OrganizationId,
            routing.GroupId,
            routing.AssigneeId,
            Data = Encoding.UTF8.GetString(bytes),
            routing.OccurredAt,
            Message = RealtimeWire.NotifyPayload(routing, envelope),
        }, transaction);
    }

    /// <summary>Notifications.CreateAsync: the stored notification and its notification.created event.</summary>
    private async Task NotifyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Guid userId, string type, string title, string body, TicketResponse ticket)
    {
        var id = Guid.CreateVersion7();
        var data = JsonSerializer.Serialize(new { ticket_id = ticket.Id, number = ticket.Number }, json);
        var inserted = await connection.ExecuteAsync(NotificationWriter.Sql, new
        {
            Id = id, UserId = userId, Type = type, Title = title, Body = body, TicketId = ticket.Id, Data = data, CreatedAt = DateTime.UtcNow,
        }, transaction);
        if (inserted > 0)
            await PublishAsync(connection, transaction, RealtimeEventTypes.NotificationCreated, ticket, true, userId,
                new NotificationResponse(id, type, title, body, ticket.Id, null, null, DateTime.UtcNow));
    }

    /// <summary>EmailOutbox.TryEnqueueAsync: its four look-ups in one batch, then the row and the sender's wake-up.</summary>
    private static async Task EmailAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string template, Guid recipientId, Guid ticketId)
    {
        Recipient? recipient;
        Template? loaded;
        List<string> earlier;
        await using (var results = await connection.QueryMultipleAsync(EmailOutbox.LoadSql, new
        {
            RecipientUserId = recipientId, TemplateKey = template, TicketId = ticketId, EmailOutbox.MaxReferences,
        }, transaction))
        {
            recipient = await results.ReadSingleOrDefaultAsync<Recipient>();
            loaded = await results.ReadSingleOrDefaultAsync<Template>();
            _ = await results.ReadSingleOrDefaultAsync<long?>();
            earlier = (await results.ReadAsync<string>()).AsList();
        }
        if (recipient is not { IsActive: true } || loaded is not { IsActive: true })
            return;
        var id = Guid.CreateVersion7();
        var root = $"<ticket-{ticketId}@localhost>";
        await connection.ExecuteAsync(EmailOutbox.InsertSql, new
        {
            Id = id,
            TemplateKey = template,
            RecipientId = recipientId,
            ToAddress = recipient.Email,
            ToName = $"{recipient.FirstName} {recipient.LastName}",
            TicketId = ticketId,
            loaded.Subject,
            loaded.HtmlBody,
            loaded.TextBody,
            MessageId = $"<{id}@localhost>",
            InReplyTo = root,
            ReferencesHeader = string.Join(' ', earlier.Prepend(root)),
            SealedSecret = (byte[]?)null,
            AttachmentIds = (Guid[]?)null,
            ToFollower = false,
        }, transaction);
    }
}
