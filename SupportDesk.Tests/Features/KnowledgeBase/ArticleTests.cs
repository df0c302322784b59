using System.Net;
using System.Net.Http.Json;
using Dapper;

namespace SupportDesk.Tests.Features.KnowledgeBase;

public sealed class ArticleTests(AppFixture app)
{
    [Fact]
    public async Task An_agent_creates_an_article_with_the_spec_body()
    {
        var agentUser = await app.CreateUserAsync("agent");
        using var agent = app.ClientFor(agentUser);
        var title = $"How to Reset Password {SearchTestData.Word()}";

        var response = await agent.PostAsJsonAsync("/knowledge-base", new
        {
            title,
            content = "Step-by-step guide...",
            category = " account ",
            tags = new[] { "Password", "reset", "password" },
            is_published = true,
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var json = await response.JsonAsync();
        var id = json.Id();
        Assert.Equal($"/knowledge-base/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal(title, json.GetProperty("title").GetString());
        Assert.Equal(title.ToLowerInvariant().Replace(' ', '-'), json.GetProperty("slug").GetString());
        Assert.Equal("account", json.GetProperty("category").GetString());
        Assert.Equal(["password", "reset"], json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.True(json.GetProperty("is_published").GetBoolean());
        Assert.Equal(agentUser.Id, json.GetProperty("author_id").GetGuid());
        Assert.Equal(0, json.GetProperty("view_count").GetInt64());

        await using var connection = await app.OpenConnectionAsync();
        var row = await connection.QuerySingleAsync<(string Content, Guid AuthorId, bool Indexed)>(
            "SELECT content, author_id, search_vector @@ to_tsquery('english', 'passwords & step') FROM knowledge_base_articles WHERE id = @id", new { id });
        Assert.Equal(("Step-by-step guide...", agentUser.Id, true), row);
    }

    [Fact]
    public async Task Articles_are_drafts_unless_published()
    {
        using var admin = app.ClientFor(await app.CreateUserAsync("admin"));
        var article = await admin.CreateArticleAsync("Draft by default", "Body.", published: false);
        var response = await admin.PostAsJsonAsync("/knowledge-base", new { title = "No flag", content = "Body.", category = "general" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False((await response.JsonAsync()).GetProperty("is_published").GetBoolean());
        Assert.False(article.GetProperty("is_published").GetBoolean());
    }

    [Fact]
    public async Task Slugs_come_from_the_title_and_are_numbered_when_taken()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var word = SearchTestData.Word();
        var first = await agent.CreateArticleAsync($"Réinitialiser   le Mot de passe (v2)! {word}", "Body.");
        var second = await agent.CreateArticleAsync($"reinitialiser le mot-de-passe V2 {word}", "Body.");
        var third = await agent.CreateArticleAsync($"Reinitialiser le mot de passe v2 {word}?", "Body.");
        var symbols = await agent.CreateArticleAsync("!!! ??? ***", "Body.");

        var slug = $"reinitialiser-le-mot-de-passe-v2-{word}";
        Assert.Equal(slug, first.GetProperty("slug").GetString());
        Assert.Equal($"{slug}-2", second.GetProperty("slug").GetString());
        Assert.Equal($"{slug}-3", third.GetProperty("slug").GetString());
        Assert.Matches("^article(-[0-9]+)?$", symbols.GetProperty("slug").GetString());
    }

    [Fact]
    public async Task Concurrent_articles_with_one_title_get_distinct_slugs()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var title = $"Same title {SearchTestData.Word()}";
        var created = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => agent.CreateArticleAsync(title, "Body.")));
        var slugs = created.Select(a => a.GetProperty("slug").GetString()).ToList();
        Assert.Equal(4, slugs.Distinct().Count());
        var baseSlug = title.ToLowerInvariant().Replace(' ', '-');
        Assert.Equal([baseSlug, $"{baseSlug}-2", $"{baseSlug}-3", $"{baseSlug}-4"], slugs.Order());
    }

    [Fact]
    public async Task Reading_by_id_or_slug_counts_views_without_touching_updated_at()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var article = await agent.CreateArticleAsync($"Views {SearchTestData.Word()}", "Body.");
        var id = article.Id();
        var slug = article.GetProperty("slug").GetString();

        var byId = await customer.GetOkAsync($"/knowledge-base/{id}");
        var bySlug = await customer.GetOkAsync($"/knowledge-base/slug/{slug}");
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => customer.GetOkAsync($"/knowledge-base/{id}")));

        Assert.Equal(1, byId.GetProperty("view_count").GetInt64());
        Assert.Equal(2, bySlug.GetProperty("view_count").GetInt64());
        Assert.Equal("Body.", bySlug.GetProperty("content").GetString());
        await using var connection = await app.OpenConnectionAsync();
        var (views, updatedAt) = await connection.QuerySingleAsync<(long, DateTime)>(
            "SELECT view_count, updated_at FROM knowledge_base_articles WHERE id = @id", new { id });
        Assert.Equal(10, views);
        Assert.Equal(article.GetProperty("updated_at").GetDateTime(), updatedAt, TimeSpan.FromMilliseconds(1));
        await (await customer.GetAsync("/knowledge-base/slug/no-such-article-" + SearchTestData.Word())).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await customer.GetAsync($"/knowledge-base/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Put_replaces_patch_changes_some_fields_and_the_slug_stays()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var word = SearchTestData.Word();
        var article = await agent.CreateArticleAsync("Original title", "Original body.", "one", ["a", "b"], published: false);
        var id = article.Id();

        var put = await agent.PutAsJsonAsync($"/knowledge-base/{id}", new { title = $"Replaced {word}", content = "New body.", category = "two", is_published = true });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var replaced = await put.JsonAsync();
        Assert.Equal($"Replaced {word}", replaced.GetProperty("title").GetString());
        Assert.Equal("two", replaced.GetProperty("category").GetString());
        Assert.Empty(replaced.GetProperty("tags").EnumerateArray());
        Assert.True(replaced.GetProperty("is_published").GetBoolean());
        Assert.Equal(article.GetProperty("slug").GetString(), replaced.GetProperty("slug").GetString());
        Assert.True(replaced.GetProperty("updated_at").GetDateTime() > article.GetProperty("updated_at").GetDateTime());

        var patch = await agent.PatchAsJsonAsync($"/knowledge-base/{id}", new { tags = new[] { "Gamma" }, is_published = false });
        Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        var patched = await patch.JsonAsync();
        Assert.Equal($"Replaced {word}", patched.GetProperty("title").GetString());
        Assert.Equal("New body.", patched.GetProperty("content").GetString());
        Assert.Equal(["gamma"], patched.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.False(patched.GetProperty("is_published").GetBoolean());

        // The stored vector follows the edits.
        Assert.Equal([id], (await agent.SearchArticlesAsync($"{word} gamma")).Ids());
        await using var connection = await app.OpenConnectionAsync();
        Assert.Equal(("New body.", "two", false), await connection.QuerySingleAsync<(string, string, bool)>(
            "SELECT content, category, is_published FROM knowledge_base_articles WHERE id = @id", new { id }));

        await (await agent.PatchAsJsonAsync($"/knowledge-base/{Guid.NewGuid()}", new { title = "x" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await agent.PutAsJsonAsync($"/knowledge-base/{Guid.NewGuid()}", new { title = "x", content = "y", category = "z" })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_removes_the_article()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var id = (await agent.CreateArticleAsync("To delete", "Body.")).Id();

        Assert.Equal(HttpStatusCode.NoContent, (await agent.DeleteAsync($"/knowledge-base/{id}")).StatusCode);
        await (await agent.GetAsync($"/knowledge-base/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await agent.DeleteAsync($"/knowledge-base/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await using var connection = await app.OpenConnectionAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM knowledge_base_articles WHERE id = @id", new { id }));
    }

    [Fact]
    public async Task The_list_filters_by_category_tag_and_published_and_pages()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var category = "list-" + SearchTestData.Word();
        var tag = SearchTestData.Word();
        var a = (await agent.CreateArticleAsync("A", "Body.", category, [tag])).Id();
        var b = (await agent.CreateArticleAsync("B", "Body.", category)).Id();
        var draft = (await agent.CreateArticleAsync("C", "Body.", category, [tag], published: false)).Id();

        var all = await agent.GetOkAsync($"/knowledge-base?category={category}");
        Assert.Equal([draft, b, a], all.Ids());
        Assert.Equal(3, all.GetProperty("total").GetInt64());
        Assert.False(all.GetProperty("items")[0].TryGetProperty("content", out _));
        Assert.Equal([draft, a], (await agent.GetOkAsync($"/knowledge-base?category={category}&tag={tag.ToUpperInvariant()}")).Ids());
        Assert.Equal([draft], (await agent.GetOkAsync($"/knowledge-base?category={category}&published=false")).Ids());
        Assert.Equal([b, a], (await agent.GetOkAsync($"/knowledge-base?category={category}&published=true")).Ids());
        var paged = await agent.GetOkAsync($"/knowledge-base?category={category}&limit=1&offset=1");
        Assert.Equal([b], paged.Ids());
        Assert.Equal((3, 1, 1), (paged.GetProperty("total").GetInt64(), paged.GetProperty("limit").GetInt32(), paged.GetProperty("offset").GetInt32()));

        var forCustomer = await customer.GetOkAsync($"/knowledge-base?category={category}");
        Assert.Equal([b, a], forCustomer.Ids());
        Assert.Equal(2, forCustomer.GetProperty("total").GetInt64());
        Assert.Empty((await customer.GetOkAsync($"/knowledge-base?category={category}&published=false")).Ids());
    }

    [Fact]
    public async Task Categories_count_what_the_caller_may_see()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customer = app.ClientFor(await app.RegisterCustomerAsync());
        var category = "counted-" + SearchTestData.Word();
        var draftsOnly = "drafts-" + SearchTestData.Word();
        await agent.CreateArticleAsync("One", "Body.", category);
        await agent.CreateArticleAsync("Two", "Body.", category);
        await agent.CreateArticleAsync("Three", "Body.", category, published: false);
        await agent.CreateArticleAsync("Four", "Body.", draftsOnly, published: false);

        static Dictionary<string, long> Counts(System.Text.Json.JsonElement json) =>
            json.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("name").GetString()!, i => i.GetProperty("count").GetInt64());

        var staff = Counts(await agent.GetOkAsync("/knowledge-base/categories"));
        var customers = Counts(await customer.GetOkAsync("/knowledge-base/categories"));
        Assert.Equal(3, staff[category]);
        Assert.Equal(1, staff[draftsOnly]);
        Assert.Equal(2, customers[category]);
        Assert.False(customers.ContainsKey(draftsOnly));
    }

    [Fact]
    public async Task Validation_errors_name_the_fields()
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        await (await agent.PostAsJsonAsync("/knowledge-base", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "title", "content", "category");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "   ", content = "x", category = "y" })).AssertProblemAsync(HttpStatusCode.BadRequest, "title");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = new string('t', 201), content = new string('c', 100_001), category = new string('g', 101) }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "title", "content", "category");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "t", content = "c", category = "g", tags = Enumerable.Range(0, 21).Select(i => $"t{i}") }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "tags");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "t", content = "c", category = "g", tags = new[] { " " } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest, "tags");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "t", content = "a\0b", category = "g" })).AssertProblemAsync(HttpStatusCode.BadRequest, "content");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "t", content = "c", category = "g", is_published = "yes" })).AssertProblemAsync(HttpStatusCode.BadRequest, "is_published");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "t", content = "c", category = "g", slug = "mine" })).AssertProblemAsync(HttpStatusCode.BadRequest, "slug");
        await (await agent.PostAsJsonAsync("/knowledge-base", new { title = "t", content = "c", category = "g", view_count = 1000 })).AssertProblemAsync(HttpStatusCode.BadRequest, "view_count");

        var id = (await agent.CreateArticleAsync("Valid", "Body.")).Id();
        await (await agent.PatchAsJsonAsync($"/knowledge-base/{id}", new { })).AssertProblemAsync(HttpStatusCode.BadRequest, "body");
        await (await agent.PatchAsJsonAsync($"/knowledge-base/{id}", new { title = "" })).AssertProblemAsync(HttpStatusCode.BadRequest, "title");
        await (await agent.PatchAsJsonAsync($"/knowledge-base/{id}", new { author_id = Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.BadRequest, "author_id");
        await (await agent.PutAsJsonAsync($"/knowledge-base/{id}", new { title = "Only a title" })).AssertProblemAsync(HttpStatusCode.BadRequest, "content", "category");
        await (await agent.GetAsync("/knowledge-base?limit=0")).AssertProblemAsync(HttpStatusCode.BadRequest, "limit");
        await (await agent.GetAsync("/knowledge-base?offset=-1")).AssertProblemAsync(HttpStatusCode.BadRequest, "offset");
        await (await agent.GetAsync("/knowledge-base?published=perhaps")).AssertProblemAsync(HttpStatusCode.BadRequest);

        await using var connection = await app.OpenConnectionAsync();
        Assert.Equal("Valid", await connection.ExecuteScalarAsync<string>("SELECT title FROM knowledge_base_articles WHERE id = @id", new { id }));
    }
}
