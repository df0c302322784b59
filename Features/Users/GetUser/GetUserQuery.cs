using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Users.GetUser;

public sealed record GetUserQuery(Guid Id) : IQuery<UserResponse>;

public sealed class GetUserHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetUserQuery, UserResponse>
{
    private const string Sql = $"SELECT {UserResponse.Columns} FROM users WHERE id = @Id";

    public async ValueTask<UserResponse> Handle(GetUserQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(Sql, query, cancellationToken: ct))
            ?? throw new NotFoundException("User not found.");
    }
}
