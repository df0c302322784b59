using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Infrastructure.Errors;

namespace SupportDesk.Features.Email.UpdateEmailTemplate;

public sealed record UpdateEmailTemplateCommand(string Key, string Subject, string HtmlBody, string TextBody, bool IsActive)
    : ICommand<EmailTemplateResponse>;

public sealed class UpdateEmailTemplateHandler(NpgsqlDataSource dataSource) : ICommandHandler<UpdateEmailTemplateCommand, EmailTemplateResponse>
{
    // Only existing keys: the code decides which notifications exist; admins decide what they say.
    private const string Sql = $"""
        UPDATE email_templates
        SET subject = @Subject, html_body = @HtmlBody, text_body = @TextBody, is_active = @IsActive
        WHERE key = @Key
        RETURNING {EmailTemplateResponse.Columns}
        """;

    public async ValueTask<EmailTemplateResponse> Handle(UpdateEmailTemplateCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<EmailTemplateResponse>(new CommandDefinition(Sql, command, cancellationToken: ct))
            ?? throw new NotFoundException("Email template not found.");
    }
}
