namespace SupportDesk.Infrastructure.Auth;

/// <summary>The three roles of the spec. Stored as lower-case text; serialized as snake_case strings.</summary>
public enum UserRole
{
    Customer,
    Agent,
    Admin,
}

public static class Roles
{
    public const string Customer = "customer";
    public const string Agent = "agent";
    public const string Admin = "admin";

    public static readonly string[] All = [Customer, Agent, Admin];

    public static string ToDb(this UserRole role) => role switch
    {
        UserRole.Customer => Customer,
        UserRole.Agent => Agent,
        UserRole.Admin => Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static UserRole Parse(string value) => value switch
    {
        Customer => UserRole.Customer,
        Agent => UserRole.Agent,
        Admin => UserRole.Admin,
        _ => throw new ArgumentOutOfRangeException(nameof(value), value, "Unknown role."),
    };

    public static bool IsStaff(this UserRole role) => role is UserRole.Agent or UserRole.Admin;
}

public static class Policies
{
    public const string Authenticated = nameof(Authenticated);
    public const string AgentOrAdmin = nameof(AgentOrAdmin);
    public const string Admin = nameof(Admin);
}
