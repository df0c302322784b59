using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Email.RetryEmail;

public sealed record RetryEmailCommand(Guid Id) : ICommand<OutboxEmailResponse>;

public sealed class RetryEmailHandler(NpgsqlDataSource dataSource) : ICommandHandler<RetryEmailCommand, OutboxEmailResponse>
{
    // Only failed rows: a pending or sending row is already on its way, and a sent one must not go out twice.
    private const string RetrySql = $"""
        UPDATE email_outbox
        SET status = 'pending', attempts = 0, next_attempt_at = now()
        WHERE id = @Id AND status = 'failed'
        RETURNING {OutboxEmailResponse.Columns}
        """;

    private const string WakeSendersSql = $"SELECT pg_notify('{EmailOutbox.NotifyChannel}', '')";

    private const string StatusSql = "SELECT status FROM email_outbox WHERE id = @Id";

    public async ValueTask<OutboxEmailResponse> Handle(RetryEmailCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var retried = await connection.QuerySingleOrDefaultAsync<OutboxEmailResponse>(new CommandDefinition(RetrySql, command, cancellationToken: ct));
        if (retried is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(WakeSendersSql, cancellationToken: ct));
            return retried;
        }

        var status = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(StatusSql, command, cancellationToken: ct))
            ?? throw new NotFoundException("Email not found.");
        throw new ConflictException($"Only failed emails can be retried; this one is {status}.");
    }
}
