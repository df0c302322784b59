using System.Text.Json;
using SupportDesk.Infrastructure.Notifications;

namespace SupportDesk.Features.Notifications;

/// <summary>A notifications row as Dapper reads it (jsonb as text); ToResponse gives the wire shape.</summary>
public sealed class NotificationRow
{
    public const string Columns = "id, type, title, body, ticket_id, data::text AS data, read_at, created_at";

    public Guid Id { get; init; }
    public string Type { get; init; } = "";
    public string Title { get; init; } = "";
    public string Body { get; init; } = "";
    public Guid? TicketId { get; init; }
    public string? Data { get; init; }
    public DateTime? ReadAt { get; init; }
    public DateTime CreatedAt { get; init; }

    public NotificationResponse ToResponse() => new(Id, Type, Title, Body, TicketId,
        Data is null ? null : JsonDocument.Parse(Data).RootElement.Clone(), ReadAt, CreatedAt);
}
