using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.Me;

public sealed record GetMeQuery(Guid UserId) : IQuery<UserResponse>;

public sealed class GetMeHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetMeQuery, UserResponse>
{
    private const string Sql = $"SELECT {UserResponse.Columns} FROM users WHERE id = @UserId";

    public async ValueTask<UserResponse> Handle(GetMeQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(Sql, query, cancellationToken: ct))
            ?? throw new NotFoundException("User not found.");
    }
}
