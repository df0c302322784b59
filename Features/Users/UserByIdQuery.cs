using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Users;

/// <summary>One user as the API shows users: GET /users/{id}, and GET /auth/me for the caller's own id.</summary>
public sealed record UserByIdQuery(Guid Id) : IQuery<UserResponse>;

public sealed class UserByIdHandler(NpgsqlDataSource dataSource) : IQueryHandler<UserByIdQuery, UserResponse>
{
    internal const string Sql = $"SELECT {UserResponse.Columns} FROM users WHERE id = @Id";

    public async ValueTask<UserResponse> Handle(UserByIdQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(Sql, query, cancellationToken: ct))
            ?? throw new NotFoundException("User not found.");
    }
}
