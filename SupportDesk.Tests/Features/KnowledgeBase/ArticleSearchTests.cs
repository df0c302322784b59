
namespace SupportDesk.Tests.Features.KnowledgeBase;

public sealed class ArticleSearchTests(AppFixture app)
{
    [Fact]
    public async Task A_title_hit_outranks_a_body_hit()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var inBody = await agent.CreateArticleAsync("Printer troubleshooting", $"Restart the printer; {word} may help as well.");
        var inTitle = await agent.CreateArticleAsync($"How {word} works", "Everything about the thing in the title.");

        var page = await agent.SearchArticlesAsync(word);

        Assert.Equal([inTitle.Id(), inBody.Id()], page.Ids());
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.True(items[0].GetProperty("rank").GetSingle() > items[1].GetProperty("rank").GetSingle());
        Assert.Equal(2, page.GetProperty("total").GetInt64());
        Assert.False(page.GetProperty("total_capped").GetBoolean());
    }

    [Fact]
    public async Task Stemming_finds_other_forms_of_a_word()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var article = await agent.CreateArticleAsync($"Reset your password {word}", "Open settings and choose a new one.");

        Assert.Equal([article.Id()], (await agent.SearchArticlesAsync($"passwords {word}")).Ids());
        Assert.Equal([article.Id()], (await agent.SearchArticlesAsync($"resetting {word}")).Ids());
    }

    [Fact]
    public async Task Quoted_phrases_need_the_words_together_and_minus_excludes()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var together = await agent.CreateArticleAsync($"Paper {word}", "When the printer jammed, open the tray.");
        var apart = await agent.CreateArticleAsync($"Toner {word}", "The tray jammed; the printer itself is fine.");

        Assert.Equal([together.Id()], (await agent.SearchArticlesAsync($"\"printer jammed\" {word}")).Ids());
        Assert.Equal([apart.Id()], (await agent.SearchArticlesAsync($"{word} -paper")).Ids());
        Assert.Equal([together.Id()], (await agent.SearchArticlesAsync($"{word} -toner")).Ids());
        Assert.Equal(2, (await agent.SearchArticlesAsync($"{word} or nothingmatchesthis")).Ids().Count);
    }

    [Fact]
    public async Task Tags_are_searchable_and_the_category_filter_applies()
    {
        var word = SearchTestData.Word();
        var category = "cat-" + SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var tagged = await agent.CreateArticleAsync("Tagged article", "Nothing special in the body.", category, tags: [word]);
        var other = await agent.CreateArticleAsync($"Another {word}", "Body.", "elsewhere");

        Assert.Equal(2, (await agent.SearchArticlesAsync(word)).Ids().Count);
        Assert.Equal([tagged.Id()], (await agent.SearchArticlesAsync(word, $"&category={category}")).Ids());
        Assert.Equal([other.Id()], (await agent.SearchArticlesAsync(word, "&category=elsewhere")).Ids());
    }

    [Fact]
    public async Task The_snippet_marks_the_term_and_never_passes_markup_through()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        await agent.CreateArticleAsync("Snippets", $"Some text first. <script>alert(1)</script> Then {word.ToUpperInvariant()} appears & 1 < 2 \"quoted\" text follows.");

        var item = (await agent.SearchArticlesAsync(word)).GetProperty("items")[0];
        var snippet = item.GetProperty("snippet").GetString()!;

        Assert.Contains($"<mark>{word.ToUpperInvariant()}</mark>", snippet);
        Assert.DoesNotContain("<script>", snippet);
        Assert.DoesNotContain("</script>", snippet);
        Assert.Contains("&amp; 1 &lt; 2 &quot;quoted&quot;", snippet);
        Assert.DoesNotContain('\uE000', snippet);
    }

    [Fact]
    public async Task Paging_walks_the_ranked_list()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        for (var i = 0; i < 5; i++)
            await agent.CreateArticleAsync($"Page test {i}", $"Body {word} {string.Join(' ', Enumerable.Repeat(word, i))}");

        var all = (await agent.SearchArticlesAsync(word, "&limit=50")).Ids();
        var first = await agent.SearchArticlesAsync(word, "&limit=2&offset=0");
        var second = await agent.SearchArticlesAsync(word, "&limit=2&offset=2");
        var beyond = await agent.SearchArticlesAsync(word, "&limit=2&offset=10");

        Assert.Equal(5, all.Count);
        Assert.Equal(all[..2], first.Ids());
        Assert.Equal(all[2..4], second.Ids());
        Assert.Empty(beyond.Ids());
        Assert.Equal(5, beyond.GetProperty("total").GetInt64());
        Assert.Equal((2, 2), (second.GetProperty("limit").GetInt32(), second.GetProperty("offset").GetInt32()));
    }

    [Fact]
    public async Task Drafts_are_found_by_staff_only()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var draft = await agent.CreateArticleAsync($"Draft {word}", "Unreleased.", published: false);

        Assert.Equal([draft.Id()], (await agent.SearchArticlesAsync(word)).Ids());
        var forCustomer = await customer.SearchArticlesAsync(word);
        Assert.Empty(forCustomer.Ids());
        Assert.Equal(0, forCustomer.GetProperty("total").GetInt64());
    }
}
