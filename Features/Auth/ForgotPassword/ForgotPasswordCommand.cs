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
    // The row lock orders this against a concurrent request, reset or password change of the same account, so
    // exactly one link survives. NO KEY UPDATE: foreign-key checks (a ticket reply's notification) need not wait.
    private const string UserSql = "SELECT id FROM users WHERE lower(email) = @Email AND is_active FOR NO KEY UPDATE";

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

        await PasswordResetLinks.RetireAllAsync(connection, transaction, userId.Value, ct);
        var token = RefreshTokens.NewToken();
        await connection.ExecuteAsync(new CommandDefinition(InsertSql, new
        {
            Id = Guid.CreateVersion7(),
            UserId = userId,
            Hash = RefreshTokens.Hash(token),
            ExpiresAt = clock.GetUtcNow().UtcDateTime.AddMinutes(settings.Auth.PasswordResetMinutes),
        }, transaction, cancellationToken: ct));

        // The link points at the front-end (PUBLIC_URL), which posts the token to /auth/reset-password. The outbox
        // stores it with a placeholder and the token only sealed (OutboxSecrets): no table holds a usable link.
        var resetLink = $"{settings.Email.PublicUrl ?? "http://localhost:3000"}/reset-password?token={OutboxSecrets.Placeholder}";
        await emails.EnqueueAsync(connection, transaction, new OutgoingEmail(EmailTemplateKeys.PasswordReset, userId.Value, null,
            new EmailModel { ResetLink = resetLink }, Secret: Uri.EscapeDataString(token)), ct);
        await transaction.CommitAsync(ct);
        return Unit.Value;
    }
}
