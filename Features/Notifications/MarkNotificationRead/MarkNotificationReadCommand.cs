using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Notifications;

namespace SupportDesk.Features.Notifications.MarkNotificationRead;

public sealed record MarkNotificationReadCommand(Guid UserId, Guid NotificationId) : ICommand<NotificationResponse>;

public sealed class MarkNotificationReadHandler(NpgsqlDataSource dataSource)
    : ICommandHandler<MarkNotificationReadCommand, NotificationResponse>
{
    // The owner is part of the key: someone else's notification is simply not found. Reading twice keeps the first time.
    private const string Sql = $"""
        UPDATE notifications n SET read_at = COALESCE(read_at, now())
        WHERE id = @NotificationId AND user_id = @UserId AND {NotificationVisibility.StillVisible}
        RETURNING {NotificationRow.Columns}
        """;

    public async ValueTask<NotificationResponse> Handle(MarkNotificationReadCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var row = await connection.QuerySingleOrDefaultAsync<NotificationRow>(new CommandDefinition(Sql, command, cancellationToken: ct))
            ?? throw new NotFoundException("Notification not found.");
        return row.ToResponse();
    }
}
