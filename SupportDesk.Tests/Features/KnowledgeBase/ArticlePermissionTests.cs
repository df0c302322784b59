using System.Net;
using System.Net.Http.Json;

namespace SupportDesk.Tests.Features.KnowledgeBase;

public sealed class ArticlePermissionTests(AppFixture app)
{
    private static IEnumerable<string> ReadUrls(Guid id, string slug, string word) =>
    [
        "/knowledge-base", $"/knowledge-base/{id}", $"/knowledge-base/slug/{slug}",
        "/knowledge-base/categories", $"/knowledge-base/search?query={word}",
    ];

    private static async Task AssertWritesAsync(HttpClient client, Guid id, HttpStatusCode expected)
    {
        var body = new { title = "t", content = "c", category = "g" };
        await (await client.PostAsJsonAsync("/knowledge-base", body)).AssertProblemAsync(expected);
        await (await client.PutAsJsonAsync($"/knowledge-base/{id}", body)).AssertProblemAsync(expected);
        await (await client.PatchAsJsonAsync($"/knowledge-base/{id}", new { title = "x" })).AssertProblemAsync(expected);
        await (await client.DeleteAsync($"/knowledge-base/{id}")).AssertProblemAsync(expected);
    }

    [Fact]
    public async Task Without_kb_public_anonymous_callers_get_401_everywhere()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var word = SearchTestData.Word();
        var article = await agent.CreateArticleAsync($"Public {word}", "Body.");
        using var anonymous = app.Anonymous();

        foreach (var url in ReadUrls(article.Id(), article.GetProperty("slug").GetString()!, word))
            await (await anonymous.GetAsync(url)).AssertProblemAsync(HttpStatusCode.Unauthorized);
        await AssertWritesAsync(anonymous, article.Id(), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Customers_read_published_articles_only_and_write_nothing()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var word = SearchTestData.Word();
        var published = await agent.CreateArticleAsync($"Published {word}", "Body.");
        var draft = await agent.CreateArticleAsync($"Draft {word}", "Body.", published: false);

        foreach (var url in ReadUrls(published.Id(), published.GetProperty("slug").GetString()!, word))
            await customer.GetOkAsync(url);
        await (await customer.GetAsync($"/knowledge-base/{draft.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await customer.GetAsync($"/knowledge-base/slug/{draft.GetProperty("slug").GetString()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal([published.Id()], (await customer.SearchArticlesAsync(word)).Ids());
        await AssertWritesAsync(customer, published.Id(), HttpStatusCode.Forbidden);

        // The draft was not counted as viewed by the refused reads.
        Assert.Equal(0, (await agent.GetOkAsync($"/knowledge-base/{draft.Id()}")).GetProperty("view_count").GetInt64() - 1);
    }

    [Theory]
    [InlineData("agent")]
    [InlineData("admin")]
    public async Task Staff_read_drafts_and_write(string role)
    {
        using var staff = app.ClientFor(await app.CreateUserAsync(role));
        var word = SearchTestData.Word();
        var draft = await staff.CreateArticleAsync($"Draft {word}", "Body.", published: false);

        Assert.False((await staff.GetOkAsync($"/knowledge-base/{draft.Id()}")).GetProperty("is_published").GetBoolean());
        await staff.GetOkAsync($"/knowledge-base/slug/{draft.GetProperty("slug").GetString()}");
        Assert.Equal([draft.Id()], (await staff.SearchArticlesAsync(word)).Ids());
        Assert.Equal(HttpStatusCode.OK, (await staff.PatchAsJsonAsync($"/knowledge-base/{draft.Id()}", new { is_published = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/knowledge-base/{draft.Id()}")).StatusCode);
    }

    [Fact]
    public async Task With_kb_public_anonymous_callers_read_published_articles_only()
    {
        var settings = SupportDeskFactory.DefaultSettings(app.Database.Url);
        settings["KB_PUBLIC"] = "true";
        await using var factory = new SupportDeskFactory(settings);
        using var anonymous = factory.CreateClient();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var word = SearchTestData.Word();
        var published = await agent.CreateArticleAsync($"Public {word}", "Body.", "public-" + word);
        var draft = await agent.CreateArticleAsync($"Draft {word}", "Body.", "public-" + word, published: false);

        foreach (var url in ReadUrls(published.Id(), published.GetProperty("slug").GetString()!, word))
            await anonymous.GetOkAsync(url);
        Assert.Equal([published.Id()], (await anonymous.SearchArticlesAsync(word)).Ids());
        Assert.Equal([published.Id()], (await anonymous.GetOkAsync($"/knowledge-base?category=public-{word}")).Ids());
        await (await anonymous.GetAsync($"/knowledge-base/{draft.Id()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await anonymous.GetAsync($"/knowledge-base/slug/{draft.GetProperty("slug").GetString()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await AssertWritesAsync(anonymous, published.Id(), HttpStatusCode.Unauthorized);
        // Global search stays for signed-in users.
        await (await anonymous.GetAsync($"/search/global?query={word}")).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }
}
