using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Email;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Email.PreviewEmailTemplate;

public sealed record PreviewEmailTemplateQuery(string Key, string? Subject, string? HtmlBody, string? TextBody) : IQuery<RenderedEmail>;

public sealed class PreviewEmailTemplateHandler(NpgsqlDataSource dataSource, EmailTemplateEngine engine)
    : IQueryHandler<PreviewEmailTemplateQuery, RenderedEmail>
{
    private const string Sql = "SELECT subject, html_body, text_body FROM email_templates WHERE key = @Key";

    private sealed class StoredTemplate
    {
        public string Subject { get; init; } = "";
        public string HtmlBody { get; init; } = "";
        public string TextBody { get; init; } = "";
    }

    public async ValueTask<RenderedEmail> Handle(PreviewEmailTemplateQuery query, CancellationToken ct)
    {
        StoredTemplate stored;
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        {
            stored = await connection.QuerySingleOrDefaultAsync<StoredTemplate>(new CommandDefinition(Sql, new { query.Key }, cancellationToken: ct))
                ?? throw new NotFoundException("Email template not found.");
        }

        var source = new EmailTemplateSource(query.Subject ?? stored.Subject, query.HtmlBody ?? stored.HtmlBody, query.TextBody ?? stored.TextBody);
        var ticketNumber = EmailTemplateKeys.IsAboutTicket(query.Key) ? EmailModel.Sample.TicketNumber : null;
        try
        {
            return await engine.RenderAsync(engine.CompileDraft(source), EmailModel.Sample, ticketNumber);
        }
        // A draft was checked by the validator; a stored part that was not (written around the API) is named here.
        catch (TemplateLimitException e) when (e.Part is not null)
        {
            throw new FieldValidationException(e.Part, e.Message);
        }
    }
}
