using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Attachments.DownloadAttachment;

public sealed record DownloadAttachmentQuery(CurrentUser User, Guid AttachmentId) : IQuery<AttachmentResponse>;

public sealed class DownloadAttachmentHandler(NpgsqlDataSource dataSource) : IQueryHandler<DownloadAttachmentQuery, AttachmentResponse>
{
    internal const string Sql = $"""
        SELECT {AttachmentResponse.Columns}
        FROM {AttachmentVisibility.From}
        WHERE a.id = @AttachmentId AND {AttachmentVisibility.VisibleTo}
        """;

    /// <summary>The attachment's record if the user may see it; every other case is the same 404.</summary>
    public async ValueTask<AttachmentResponse> Handle(DownloadAttachmentQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<AttachmentResponse>(new CommandDefinition(Sql,
                   new { query.AttachmentId, UserId = query.User.Id, query.User.IsStaff, SeesAll = query.User.SeesAllTickets }, cancellationToken: ct))
               ?? throw new NotFoundException("Attachment not found.");
    }
}
