using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Auth.Me;

/// <summary>The signed-in user's own account, as the Users area shows a user.</summary>
public sealed record GetMeQuery(Guid UserId) : IQuery<UserResponse>;

public sealed class GetMeHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetMeQuery, UserResponse>
{
    private const string Sql = $"SELECT {UserResponse.Columns} FROM users WHERE id = @UserId";

    public async ValueTask<UserResponse> Handle(GetMeQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        // The token was checked against the account a moment ago; a row gone since is an account that no longer exists.
        return await connection.QuerySingleOrDefaultAsync<UserResponse>(new CommandDefinition(Sql, query, cancellationToken: ct))
            ?? throw new NotFoundException("User not found.");
    }
}
