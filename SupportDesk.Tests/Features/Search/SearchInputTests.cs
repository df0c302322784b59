using System.Net;

namespace SupportDesk.Tests.Features.Search;

/// <summary>Whatever a user types, search answers 200 (with zero or more hits) or a 400 naming the field; never a 500.</summary>
public sealed class SearchInputTests(AppFixture app)
{
    public static readonly string[] Routes = ["/knowledge-base/search", "/search/global"];

    /// <summary>Raw query-string values (already percent-encoded where needed) that must give 200.</summary>
    public static TheoryData<string, string> Accepted()
    {
        string[] values =
        [
            "%21%21%21%3F%3F%3F",                                  // only punctuation: !!!???
            "%28%29%5B%5D%7B%7D%3C%3E%26%7C%21%3A%2A",             // tsquery operators: ()[]{}<>&|!:*
            "%22password%20reset",                                 // unbalanced quote
            "%22%22%22",                                           // only quotes
            "%27%3B%20DROP%20TABLE%20tickets%3B%20--",             // '; DROP TABLE tickets; --
            "%27%20OR%201%3D1%20--",                               // ' OR 1=1 --
            "password%27%29%20UNION%20SELECT%20*%20FROM%20users--", // password') UNION SELECT * FROM users--
            "a%20%26%20%7C%20%21%20b%20%3A%2A%20%28",              // a & | ! b :* (
            "-",                                                   // a lone minus
            "--password",
            "-password%20-reset",                                  // only exclusions
            "or%20or%20or",
            "the%20and%20of%20a",                                  // only stop words
            "%5C%5C%5C",                                           // backslashes
            "%25_%25",                                             // LIKE wildcards
            "%FF%FE%FD",                                           // bytes that are not UTF-8
            "%C3%28",                                              // a broken two-byte sequence
            "%E2%82",                                              // a truncated three-byte sequence
            "%ED%A0%80",                                           // an encoded lone surrogate (invalid UTF-8)
            "%C0%AF",                                              // an overlong encoding of '/'
            "%F0%9F%94%91%20key",                                  // emoji
            "%E5%AF%86%E7%A0%81",                                  // CJK
            "%D0%BF%D0%B0%D1%80%D0%BE%D0%BB%D1%8C",                // Cyrillic
            "%E2%80%AE%E2%80%8B",                                  // bidi override and zero-width space
        ];
        var data = new TheoryData<string, string>();
        foreach (var route in Routes)
            foreach (var value in values)
                data.Add(route, value);
        data.Add(Routes[0], new string('a', 256));
        data.Add(Routes[1], Uri.EscapeDataString(string.Join(' ', Enumerable.Repeat("word", 51))));
        return data;
    }

    [Theory]
    [MemberData(nameof(Accepted))]
    public async Task Odd_input_is_answered_with_200(string route, string rawQuery)
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var response = await agent.GetAsync($"{route}?query={rawQuery}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{route}?query={rawQuery}: {(int)response.StatusCode} {body}");
        var json = await response.JsonAsync();
        Assert.Equal(JsonValueKindArray, json.GetProperty("items").ValueKind);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindArray = System.Text.Json.JsonValueKind.Array;

    /// <summary>Query strings that must give a 400 problem naming the field.</summary>
    public static TheoryData<string, string, string> Refused()
    {
        (string Query, string Field)[] cases =
        [
            ("", "query"),                                       // missing
            ("query=", "query"),                                 // empty
            ("query=%20%20%09", "query"),                        // blank
            ("query=" + new string('a', 257), "query"),          // one over the limit
            ("query=" + Uri.EscapeDataString(string.Join(' ', Enumerable.Repeat("lorem ipsum dolor", 600))), "query"), // 10 kB
            ("query=a%00b", "query"),                            // NUL
            ("query=ok&limit=0", "limit"),
            ("query=ok&limit=51", "limit"),
            ("query=ok&offset=-1", "offset"),
            ("query=ok&offset=1000", "offset"),
        ];
        var data = new TheoryData<string, string, string>();
        foreach (var route in Routes)
            foreach (var (query, field) in cases)
                data.Add(route, query, field);
        data.Add(Routes[0], "query=ok&category=" + new string('c', 101), "category");
        return data;
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Bad_input_is_a_400_naming_the_field(string route, string queryString, string field)
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var response = await agent.GetAsync($"{route}?{queryString}");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest, field);
    }

    [Theory]
    [InlineData("/knowledge-base/search")]
    [InlineData("/search/global")]
    public async Task Non_numeric_paging_is_a_400(string route)
    {
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var response = await agent.GetAsync($"{route}?query=ok&limit=ten");
        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Sql_in_a_query_is_only_ever_searched_for()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var article = await agent.CreateArticleAsync($"Quotes {word}", "Users type ' OR 1=1 -- and other odd things.");

        // "or" is websearch's OR, so other articles with a "1" may match as well; this one must be among them.
        Assert.Contains(article.Id(), (await agent.SearchArticlesAsync($"{word} ' OR 1=1 --", "&limit=50")).Ids());
        Assert.Empty((await agent.SearchArticlesAsync($"{word} '; DROP TABLE knowledge_base_articles; --")).Ids());
        Assert.Equal([article.Id()], (await agent.SearchArticlesAsync(word)).Ids());
    }
}
