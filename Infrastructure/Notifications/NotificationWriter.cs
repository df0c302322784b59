using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

using SupportDesk.Infrastructure.Realtime;

namespace SupportDesk.Infrastructure.Notifications;

/// <summary>A stored notification to create. Title and body are cut to 200 and 1000 characters.</summary>
public sealed record NewNotification(Guid UserId, string Type, string Title, string Body, Guid? TicketId, object? Data);

/// <summary>A notification as the routes and the notification.created event show it.</summary>
public sealed record NotificationResponse(
    Guid Id, string Type, string Title, string Body, Guid? TicketId, JsonElement? Data, DateTime? ReadAt, DateTime CreatedAt);

/// <summary>Creates stored notifications inside the caller's transaction and tells the user's sockets at commit.</summary>
public sealed class NotificationWriter(RealtimeEvents events, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, TimeProvider clock)
{
    public const int MaxTitleLength = 200;
    public const int MaxBodyLength = 1000;

    // Inactive users get nothing: the row would only wait for someone who cannot sign in. About a ticket, only
    // someone who may see it right now (their role as of this statement, not as read earlier) is told.
    internal const string Sql = $"""
        INSERT INTO notifications (id, user_id, type, title, body, ticket_id, data, created_at)
        SELECT @Id, u.id, @Type, @Title, @Body, @TicketId, @Data::jsonb, @CreatedAt
        FROM users u
        WHERE u.id = @UserId AND u.is_active
          AND (@TicketId::uuid IS NULL OR EXISTS (
              SELECT 1 FROM tickets t WHERE t.id = @TicketId AND {Auth.TicketVisibility.VisibleToUserRow}))
        """;

    private readonly JsonSerializerOptions _options = json.Value.SerializerOptions;

    public async Task CreateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, NewNotification notification, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(notification);
        ArgumentException.ThrowIfNullOrWhiteSpace(notification.Type);

        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow().UtcDateTime;
        var createdAt = now.AddTicks(-(now.Ticks % 10));
        var title = Cut(notification.Title, MaxTitleLength) is { Length: > 0 } t ? t : notification.Type;
        var body = Cut(notification.Body, MaxBodyLength);
        var data = notification.Data is null ? null : JsonSerializer.Serialize(notification.Data, notification.Data.GetType(), _options);

        var inserted = await connection.ExecuteAsync(new CommandDefinition(Sql, new
        {
            Id = id,
            notification.UserId,
            notification.Type,
            Title = title,
            Body = body,
            notification.TicketId,
            Data = data,
            CreatedAt = createdAt,
        }, transaction, cancellationToken: ct));
        if (inserted == 0)
            return;

        var response = new NotificationResponse(id, notification.Type, title, body, notification.TicketId,
            data is null ? null : JsonDocument.Parse(data).RootElement.Clone(), null, createdAt);
        await events.PublishAsync(connection, transaction, new RealtimeEvent(
            RealtimeEventTypes.NotificationCreated, notification.TicketId,
            new EventAudience(null, StaffOnly: true, TargetUserId: notification.UserId), response), ct);
    }

    private static string Cut(string? value, int max)
    {
        value = (value ?? "").Trim();
        if (value.Length <= max)
            return value;
        var cut = max - 1;
        if (char.IsHighSurrogate(value[cut - 1]))
            cut--;
        return string.Concat(value.AsSpan(0, cut), "…");
    }
}
