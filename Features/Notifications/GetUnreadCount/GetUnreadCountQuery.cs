using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Notifications.GetUnreadCount;

public sealed record UnreadCountResponse(long Count);

public sealed record GetUnreadCountQuery(Guid UserId) : IQuery<UnreadCountResponse>;

public sealed class GetUnreadCountHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetUnreadCountQuery, UnreadCountResponse>
{
    private const string Sql = $"SELECT count(*) FROM notifications n WHERE user_id = @UserId AND read_at IS NULL AND {NotificationVisibility.StillVisible}";

    public async ValueTask<UnreadCountResponse> Handle(GetUnreadCountQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return new UnreadCountResponse(await connection.ExecuteScalarAsync<long>(new CommandDefinition(Sql, query, cancellationToken: ct)));
    }
}
