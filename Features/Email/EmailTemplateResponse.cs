namespace SupportDesk.Features.Email;

/// <summary>A stored email template as the admin routes show it.</summary>
public sealed class EmailTemplateResponse
{
    public const string Columns = "key, subject, html_body, text_body, is_active, created_at, updated_at";

    public string Key { get; init; } = "";
    public string Subject { get; init; } = "";
    public string HtmlBody { get; init; } = "";
    public string TextBody { get; init; } = "";
    public bool IsActive { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}
