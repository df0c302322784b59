using Dapper;
using Mediator;
using Npgsql;

namespace SupportDesk.Features.Email.ListEmailTemplates;

public sealed record ListEmailTemplatesQuery : IQuery<IReadOnlyList<EmailTemplateResponse>>;

public sealed class ListEmailTemplatesHandler(NpgsqlDataSource dataSource)
    : IQueryHandler<ListEmailTemplatesQuery, IReadOnlyList<EmailTemplateResponse>>
{
    // A handful of rows by design (one per notification kind): no paging.
    private const string Sql = $"SELECT {EmailTemplateResponse.Columns} FROM email_templates ORDER BY key";

    public async ValueTask<IReadOnlyList<EmailTemplateResponse>> Handle(ListEmailTemplatesQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return (await connection.QueryAsync<EmailTemplateResponse>(new CommandDefinition(Sql, cancellationToken: ct))).AsList();
    }
}
