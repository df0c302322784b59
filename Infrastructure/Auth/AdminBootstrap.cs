namespace SupportDesk.Infrastructure.Auth;

/// <summary>
/// Creates the first admin unless that email already has an account: ADMIN_EMAIL/ADMIN_PASSWORD at start-up and the
/// `create-admin` command. The Users feature provides it and Program.cs wires it, so start-up and the CLI name no feature.
/// Throws MessageValidationException when the email, password or names break the account rules.
/// </summary>
public interface IAdminBootstrap
{
    ValueTask<AdminBootstrapResult> EnsureAdminAsync(string email, string password, string firstName, string lastName, CancellationToken ct);
}

public sealed record AdminBootstrapResult(bool Created, string Email, string Role);
