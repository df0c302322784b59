using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Email.GetEmailTemplate;

public sealed record GetEmailTemplateQuery(string Key) : IQuery<EmailTemplateResponse>;

public sealed class GetEmailTemplateHandler(NpgsqlDataSource dataSource) : IQueryHandler<GetEmailTemplateQuery, EmailTemplateResponse>
{
    private const string Sql = $"SELECT {EmailTemplateResponse.Columns} FROM email_templates WHERE key = @Key";

    public async ValueTask<EmailTemplateResponse> Handle(GetEmailTemplateQuery query, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<EmailTemplateResponse>(new CommandDefinition(Sql, query, cancellationToken: ct))
            ?? throw new NotFoundException("Email template not found.");
    }
}
