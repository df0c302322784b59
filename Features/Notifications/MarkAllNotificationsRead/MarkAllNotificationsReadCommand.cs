using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Notifications.MarkAllNotificationsRead;

public sealed record MarkAllNotificationsReadResponse(int Updated);

public sealed record MarkAllNotificationsReadCommand(Guid UserId) : ICommand<MarkAllNotificationsReadResponse>;

public sealed class MarkAllNotificationsReadHandler(NpgsqlDataSource dataSource)
    : ICommandHandler<MarkAllNotificationsReadCommand, MarkAllNotificationsReadResponse>
{
    private const string Sql = $"UPDATE notifications n SET read_at = now() WHERE user_id = @UserId AND read_at IS NULL AND {NotificationVisibility.StillVisible}";

    public async ValueTask<MarkAllNotificationsReadResponse> Handle(MarkAllNotificationsReadCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return new MarkAllNotificationsReadResponse(await connection.ExecuteAsync(new CommandDefinition(Sql, command, cancellationToken: ct)));
    }
}
