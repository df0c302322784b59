using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;
using SupportDesk.Infrastructure.Inbound;

namespace SupportDesk.Features.Inbound.RetryInboundMessage;

public sealed record RetryInboundMessageCommand(Guid Id) : ICommand<InboundMessageResponse>;

public sealed class RetryInboundMessageHandler(NpgsqlDataSource dataSource) : ICommandHandler<RetryInboundMessageCommand, InboundMessageResponse>
{
    // Failed or flagged rows only: a processed mail must not become a second ticket.
    private const string RetrySql = $"""
        UPDATE inbound_messages m SET status = 'received', error = NULL, reason = NULL
        WHERE m.id = @Id AND m.status IN ('failed', 'flagged')
        RETURNING {InboundMessageResponse.Columns};
        """;

    private const string WakeSql = $"SELECT pg_notify('{InboundStore.NotifyChannel}', '')";
    private const string StatusSql = "SELECT status FROM inbound_messages WHERE id = @Id";

    public async ValueTask<InboundMessageResponse> Handle(RetryInboundMessageCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var retried = await connection.QuerySingleOrDefaultAsync<InboundMessageResponse>(new CommandDefinition(RetrySql, command, cancellationToken: ct));
        if (retried is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition(WakeSql, cancellationToken: ct));
            return retried;
        }
        var status = await connection.QuerySingleOrDefaultAsync<string>(new CommandDefinition(StatusSql, command, cancellationToken: ct))
            ?? throw new NotFoundException("Inbound message not found.");
        throw new ConflictException($"Only failed or flagged mail can be processed again; this one is {status}.");
    }
}
