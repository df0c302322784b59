namespace SupportDesk.Features.Organizations;

/// <summary>An organization as every organization route shows it.</summary>
public sealed class OrganizationResponse
{
    /// <summary>The select list over organizations o that fills this type; domains sorted, so the answer is stable.</summary>
    public const string Columns = """
        o.id, o.name, o.notes, o.shared, o.shared_comments, o.created_at, o.updated_at,
        ARRAY(SELECT d.domain FROM organization_domains d WHERE d.organization_id = o.id ORDER BY d.domain) AS domains
        """;

    internal const string ByIdSql = $"SELECT {Columns} FROM organizations o WHERE o.id = @Id";

    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string[] Domains { get; init; } = [];
    public string Notes { get; init; } = "";
    /// <summary>Members may read each other's tickets (public comments only).</summary>
    public bool Shared { get; init; }
    /// <summary>With shared: members may also reply publicly on each other's tickets.</summary>
    public bool SharedComments { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
