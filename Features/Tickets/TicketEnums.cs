using SupportDesk.Infrastructure.Json;

namespace SupportDesk.Features.Tickets;

public enum TicketStatus { Open, InProgress, Pending, Resolved, Closed }

public enum TicketPriority { Low, Medium, High, Urgent }

public enum CommentType { Public, Private }

/// <summary>Enum values as stored and sent: snake_case text ("in_progress").</summary>
public static class TicketValues
{
    public static string ToDb<TEnum>(this TEnum value) where TEnum : struct, Enum => JsonSetup.ToSnakeCase(value.ToString());

    public static readonly string[] Statuses = Enum.GetValues<TicketStatus>().Select(s => s.ToDb()).ToArray();
    public static readonly string[] Priorities = Enum.GetValues<TicketPriority>().Select(p => p.ToDb()).ToArray();

    public static TicketStatus ParseStatus(string value) =>
        Enum.GetValues<TicketStatus>().First(s => s.ToDb() == value);
}
