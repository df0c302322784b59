using Dapper;
using Mediator;
using MimeKit;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Inbound.GetInboundMessage;

public sealed record GetInboundMessageQuery(Guid Id) : IQuery<InboundMessageDetailResponse>;

public sealed class GetInboundMessageHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetInboundMessageQuery, InboundMessageDetailResponse>
{
    private const string Sql = $"SELECT {InboundMessageResponse.Columns}, m.raw FROM inbound_messages m WHERE m.id = @Id";

    private sealed class Row : InboundMessageResponse
    {
        public byte[] Raw { get; init; } = [];
    }

    public async ValueTask<InboundMessageDetailResponse> Handle(GetInboundMessageQuery query, CancellationToken ct)
    {
        Row row;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
            row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Sql, query, cancellationToken: ct))
                  ?? throw new NotFoundException("Inbound message not found.");

        var detail = new InboundMessageDetailResponse
        {
            Id = row.Id, Source = row.Source, Status = row.Status, Reason = row.Reason, Error = row.Error, Attempts = row.Attempts,
            MessageId = row.MessageId, EnvelopeFrom = row.EnvelopeFrom, Recipient = row.Recipient, Sender = row.Sender, Subject = row.Subject, Size = row.Size,
            IsAuto = row.IsAuto, TicketId = row.TicketId, CommentId = row.CommentId, ReceivedAt = row.ReceivedAt, ProcessedAt = row.ProcessedAt,
        };
        try
        {
            using var stream = new MemoryStream(row.Raw, writable: false);
            var message = await MimeMessage.LoadAsync(new ParserOptions { MaxMimeDepth = 64 }, stream, ct);
            detail.OriginalText = ReplyText.Storable(ReplyText.FullText(message));
            detail.Headers = ReplyText.Storable(string.Join("\n", message.Headers.Select(h => $"{h.Field}: {h.Value}")));
        }
        catch (FormatException e)
        {
            detail.OriginalText = $"(the mail could not be parsed: {e.Message})";
        }
        return detail;
    }
}
