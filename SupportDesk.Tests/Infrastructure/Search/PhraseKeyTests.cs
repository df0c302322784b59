using Dapper;
using SupportDesk.Infrastructure.Search;

namespace SupportDesk.Tests.Infrastructure.Search;

/// <summary>
/// Phrase keys only narrow the rows a phrase query rechecks; they must never change what it finds. Each search
/// here is compared with PostgreSQL's own answer (websearch_to_tsquery over the stored vectors, no keys).
/// </summary>
public sealed class PhraseKeyTests(AppFixture app)
{
    private static readonly string[] Texts =
    [
        "Please reset the password for my account.",
        "I want to reset password now.",
        "The password reset link never arrived.",
        "Reset your new password before Monday.",
        "Our wi-fi router setup keeps failing.",
        "The wi-fi  router, again: no signal.",
        "Error: code 5 failed on the e-mail import.",
        "I cannot log in to the account since the update.",
        "Go go go, the printer jammed and jammed again.",
        "Printer, jammed! Paper everywhere; the tray is stuck.",
        "Changing the e-mail address of the account fails.",
        "Export the billing report as CSV, then export billing again.",
    ];

    private static readonly string[] Phrases =
    [
        "\"reset the password\"", "\"reset password\"", "\"password reset\"", "\"reset your password\"",
        "\"wi-fi router\"", "\"the wi-fi router\"", "\"code 5 failed\"", "\"log in to the account\"", "\"go go\"",
        "\"printer jammed\"", "\"jammed again\"", "\"change the e-mail address\"", "\"export the billing\"",
        "\"export billing\"", "\"billing export\"", "\"the the\"", "\"reset\" \"password\"", "\"reset the password\" account",
        "\"reset the password\" -monday", "-\"reset the password\" password", "\"reset the password\" or \"router\"",
        "\"printer jammed\" \"paper everywhere\"", "\"error: code\"", "\"csv, then\"",
    ];

    [Fact]
    public async Task Phrase_searches_find_exactly_what_postgres_finds_without_the_keys()
    {
        var word = SearchTestData.Word();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var ids = new List<Guid>();
        foreach (var text in Texts)
            ids.Add((await agent.CreateArticleAsync($"Note {word}", text)).Id());

        await using var connection = await app.OpenConnectionAsync();
        var withKeys = 0;
        foreach (var phrase in Phrases)
        {
            var query = $"{phrase} {word}";
            var expected = (await connection.QueryAsync<Guid>("""
                SELECT id FROM knowledge_base_articles
                WHERE id = ANY(@ids) AND search_vector @@ websearch_to_tsquery('english', @query)
                """, new { ids, query })).Order().ToList();
            // Only this test's articles count: with "or", a phrase alone can match other tests' articles too.
            var found = (await agent.SearchArticlesAsync(query, "&limit=50")).Ids().Where(ids.Contains).Order().ToList();
            Assert.True(expected.SequenceEqual(found), $"{query}: expected {expected.Count} articles, the search found {found.Count}");

            var keys = await connection.ExecuteScalarAsync<int[]>("SELECT search_query_phrase_keys('english', @phrases)",
                new { phrases = PhraseKeys.RequiredPhrases(query).ToArray() });
            if (keys!.Length > 0)
                withKeys++;
        }
        // The comparison above means something only if most of these searches went through the keys.
        Assert.True(withKeys >= Phrases.Length * 2 / 3, $"only {withKeys} of {Phrases.Length} searches used phrase keys");
    }

    [Fact]
    public async Task Tickets_and_comments_are_found_by_phrase_and_edits_move_the_keys()
    {
        var word = SearchTestData.Word();
        var customer = await app.RegisterCustomerAsync();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var (ticketId, _) = await app.InsertTicketAsync(customer.Id, $"Login trouble {word}", "I had to reset the password twice.");
        var (otherId, _) = await app.InsertTicketAsync(customer.Id, $"Printer {word}", "Nothing about passwords here.");
        await app.InsertCommentAsync(otherId, customer.Id, $"Now the printer jammed again ({word}).");

        Assert.Equal([ticketId], (await agent.GlobalSearchAsync($"\"reset the password\" {word}")).Ids());
        Assert.Equal([otherId], (await agent.GlobalSearchAsync($"\"printer jammed\" {word}")).Ids());
        var list = await agent.GetOkAsync($"/tickets?q={Uri.EscapeDataString($"\"reset the password\" {word}")}");
        Assert.Equal([ticketId], list.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetGuid()).ToList());

        // The keys are generated from the vector: an edit takes the old phrase out and puts the new one in.
        await using var connection = await app.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE tickets SET description = 'The password was never reset.' WHERE id = @ticketId", new { ticketId });
        Assert.Empty((await agent.GlobalSearchAsync($"\"reset the password\" {word}")).Ids());
        Assert.Equal([ticketId], (await agent.GlobalSearchAsync($"\"never reset\" {word}")).Ids());
    }

    [Theory]
    [InlineData("\"reset the password\"", new[] { "reset the password" })]
    [InlineData("\"a b\" word \"c d\"", new[] { "a b", "c d" })]
    [InlineData("word -\"a b\" \"c d\"", new[] { "c d" })]
    [InlineData("word - \"a b\"", new string[0])]
    [InlineData("\"a b\" or c", new string[0])]
    [InlineData("c OR \"a b\"", new string[0])]
    [InlineData("\"a b\" \"c d", new string[0])]
    [InlineData("x\"a b\"", new string[0])]
    [InlineData("\"a b\"x", new string[0])]
    [InlineData("orange \"a b\" order", new[] { "a b" })]
    [InlineData("plain words", new string[0])]
    public void Only_phrases_every_match_needs_are_required(string query, string[] expected) =>
        Assert.Equal(expected, PhraseKeys.RequiredPhrases(query));
}
