namespace SupportDesk.Infrastructure.Http;

/// <summary>The list envelope every paged route returns: { items, total, limit, offset }.</summary>
public sealed record PagedResponse<T>(IReadOnlyList<T> Items, long Total, int Limit, int Offset);

public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxOffset = 1_000_000;
}
