using FluentValidation;

namespace SupportDesk.Infrastructure.Http;

/// <summary>The list envelope every paged route returns: { items, total, limit, offset }.</summary>
public sealed record PagedResponse<T>(IReadOnlyList<T> Items, long Total, int Limit, int Offset);

public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const int MaxOffset = 1_000_000;
}

/// <summary>limit/offset query parameters of a paged route, validated by <see cref="PageRequestValidator"/>.</summary>
public sealed record PageRequest(int? Limit, int? Offset);

public sealed class PageRequestValidator : AbstractValidator<PageRequest>
{
    public PageRequestValidator()
    {
        RuleFor(r => r.Limit).InclusiveBetween(1, Paging.MaxLimit);
        RuleFor(r => r.Offset).InclusiveBetween(0, Paging.MaxOffset);
    }
}
