using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Http;

namespace SupportDesk.Features.Users.ListUsers;

public sealed record ListUsersQuery(string? Role, int Limit, int Offset) : IQuery<PagedResponse<UserResponse>>;

public sealed class ListUsersHandler(NpgsqlDataSource dataSource) : IQueryHandler<ListUsersQuery, PagedResponse<UserResponse>>
{
    private const string Sql = $"""
        SELECT {UserResponse.Columns}
        FROM users
        WHERE (@Role::text IS NULL OR role = @Role)
        ORDER BY created_at DESC, id DESC
        LIMIT @Limit OFFSET @Offset;

        SELECT count(*) FROM users WHERE (@Role::text IS NULL OR role = @Role);
        """;

    public async ValueTask<PagedResponse<UserResponse>> Handle(ListUsersQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var results = await connection.QueryMultipleAsync(new CommandDefinition(Sql, query, cancellationToken: ct));
        var items = (await results.ReadAsync<UserResponse>()).AsList();
        var total = await results.ReadSingleAsync<long>();
        return new PagedResponse<UserResponse>(items, total, query.Limit, query.Offset);
    }
}
