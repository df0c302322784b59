using Dapper;
using Mediator;
using Npgsql;
using SupportDesk.Features.Users;
using SupportDesk.Infrastructure.Auth;
using SupportDesk.Infrastructure.Configuration;
using SupportDesk.Infrastructure.Email;

namespace SupportDesk.Features.Auth.ForgotPassword;

public sealed record ForgotPasswordCommand(string Email) : ICommand;

public sealed class ForgotPasswordHandler(NpgsqlDataSource dataSource, AppSettings settings, TimeProvider clock, EmailOutbox emails)
    : ICommandHandler<ForgotPasswordCommand>
{
    private const string UserSql = "SELECT id FROM users WHERE lower(email) = @Email AND is_active";

    private const string InsertSql = """
        INSERT INTO password_reset_tokens (id, user_id, token_hash, expires_at)
        VALUES (@Id, @UserId, @Hash, @ExpiresAt)
        """;

    public async ValueTask<Unit> Handle(ForgotPasswordCommand command, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var userId = await connection.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(UserSql, new { Email = UserRules.NormalizeEmail(command.Email) }, transaction, cancellationToken: ct));
        if (userId is null)
            return Unit.Value;

        var token = RefreshTokens.NewToken();
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Hash = RefreshTokens.Hash(token),
            ExpiresAt = clock.GetUtcNow().UtcDateTime.AddMinutes(settings.Auth.PasswordResetMinutes),
        }, transaction, cancellationToken: ct));

        // The link points at the front-end (PUBLIC_URL), which posts the token to /auth/reset-password.
        var resetLink = $"{settings.Email.PublicUrl ?? "http://localhost:3000"}/reset-password?token={Uri.EscapeDataString(token)}";
        await emails.EnqueueAsync(connection, transaction,
            new OutgoingEmail(EmailTemplateKeys.PasswordReset, userId.Value, null, new EmailModel { ResetLink = resetLink }), ct);
        await transaction.CommitAsync(ct);
        return Unit.Value;
    }
}
