namespace SupportDesk.Features.KnowledgeBase;

/// <summary>An article in a list: everything but the (possibly long) content.</summary>
public class ArticleSummary
{
    /// <summary>The select list (alias a) that fills this type.</summary>
    public const string Columns =
        "a.id, a.title, a.slug, a.category, a.tags, a.is_published, a.author_id, a.view_count, a.created_at, a.updated_at";

    public Guid Id { get; init; }
    public string Title { get; init; } = "";
    public string Slug { get; init; } = "";
    public string Category { get; init; } = "";
    public string[] Tags { get; init; } = [];
    public bool IsPublished { get; init; }
    public Guid AuthorId { get; init; }
    public long ViewCount { get; init; }
    public DateTime CreatedAt { get; init; }
    public DateTime UpdatedAt { get; init; }
}

/// <summary>An article as the single-article routes show it: the summary plus its Markdown content.</summary>
public sealed class ArticleResponse : ArticleSummary
{
    /// <summary>The select list (alias a) that fills this type.</summary>
    public new const string Columns = ArticleSummary.Columns + ", a.content";

    public string Content { get; init; } = "";
}
