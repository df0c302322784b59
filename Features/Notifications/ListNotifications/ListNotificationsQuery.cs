using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Http;
using SupportDesk.Infrastructure.Notifications;

namespace SupportDesk.Features.Notifications.ListNotifications;

public sealed record ListNotificationsQuery(Guid UserId, bool UnreadOnly, int Limit, int Offset)
    : IQuery<PagedResponse<NotificationResponse>>;

public sealed class ListNotificationsHandler(NpgsqlDataSource dataSource)
    : IQueryHandler<ListNotificationsQuery, PagedResponse<NotificationResponse>>
{
    // Two statements rather than "(NOT @UnreadOnly OR read_at IS NULL)", so each uses its own index.
    private const string AllSql = $"""
        SELECT {NotificationRow.Columns}
        FROM notifications n
        WHERE user_id = @UserId AND {NotificationVisibility.StillVisible}
        ORDER BY created_at DESC, id DESC
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM notifications n WHERE user_id = @UserId AND {NotificationVisibility.StillVisible};
        """;

    private const string UnreadSql = $"""
        SELECT {NotificationRow.Columns}
        FROM notifications n
        WHERE user_id = @UserId AND read_at IS NULL AND {NotificationVisibility.StillVisible}
        ORDER BY created_at DESC, id DESC
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM notifications n WHERE user_id = @UserId AND read_at IS NULL AND {NotificationVisibility.StillVisible};
        """;

    public async ValueTask<PagedResponse<NotificationResponse>> Handle(ListNotificationsQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(
            new CommandDefinition(query.UnreadOnly ? UnreadSql : AllSql, query, cancellationToken: ct));
        var items = (await results.ReadAsync<NotificationRow>()).Select(r => r.ToResponse()).ToList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<NotificationResponse>(items, total, query.Limit, query.Offset);
    }
}
