
namespace SupportDesk.Tests.Features.Search;

public sealed class GlobalSearchTests(AppFixture app)
{
    [Fact]
    public async Task Tickets_and_articles_come_back_in_one_ranked_list_with_counts()
    {
        var word = SearchTestData.Word();
        var customer = await app.RegisterCustomerAsync();
        var agentUser = await app.CreateUserAsync("agent");
        using var agent = app.ClientFor(agentUser);
        var (ticketId, number) = await app.InsertTicketAsync(customer.Id, $"Cannot sync {word}", "Calendar sync fails every morning.");
        var (bodyTicketId, _) = await app.InsertTicketAsync(customer.Id, "Slow pages", $"The dashboard mentions {word} while loading.");
        var (commentTicketId, _) = await app.InsertTicketAsync(customer.Id, "Another problem", "Nothing relevant here.");
        await app.InsertCommentAsync(commentTicketId, agentUser.Id, $"Found it: {word} was misconfigured.");
        var article = await agent.CreateArticleAsync($"Fixing {word}", "Follow these steps.");

        var page = await agent.GlobalSearchAsync(word);
        var items = page.GetProperty("items").EnumerateArray().ToList();

        Assert.Equal(4, items.Count);
        Assert.Equal(3, page.GetProperty("counts").GetProperty("tickets").GetInt64());
        Assert.Equal(1, page.GetProperty("counts").GetProperty("articles").GetInt64());
        Assert.Equal(4, page.GetProperty("total").GetInt64());
        Assert.False(page.GetProperty("counts_capped").GetBoolean());
        var ranks = items.Select(i => i.GetProperty("rank").GetSingle()).ToList();
        Assert.Equal(ranks.OrderDescending(), ranks);
        // Title hits (weight A) before the description hit (B) before the comment hit (C).
        Assert.Equal([ticketId, article.Id()], items.Take(2).Select(i => i.GetProperty("id").GetGuid()).Order());
        Assert.Equal(bodyTicketId, items[2].GetProperty("id").GetGuid());
        Assert.Equal(commentTicketId, items[3].GetProperty("id").GetGuid());

        var ticket = items.Single(i => i.GetProperty("id").GetGuid() == ticketId);
        Assert.Equal("ticket", ticket.GetProperty("type").GetString());
        Assert.Equal(number, ticket.GetProperty("number").GetInt64());
        Assert.Equal($"Cannot sync {word}", ticket.GetProperty("title").GetString());
        var articleItem = items.Single(i => i.GetProperty("type").GetString() == "article");
        Assert.Equal(article.GetProperty("slug").GetString(), articleItem.GetProperty("slug").GetString());
        Assert.Contains($"<mark>{word}</mark>", items[2].GetProperty("snippet").GetString());
        Assert.Contains($"<mark>{word}</mark>", items[3].GetProperty("snippet").GetString());
    }

    [Fact]
    public async Task A_ticket_found_by_its_text_and_its_comments_is_listed_once_with_its_own_text_as_snippet()
    {
        var word = SearchTestData.Word();
        var customer = await app.RegisterCustomerAsync();
        var agentUser = await app.CreateUserAsync("agent");
        using var agent = app.ClientFor(agentUser);
        var (ticketId, _) = await app.InsertTicketAsync(customer.Id, "Printer trouble", $"The tray reports {word} after a restart.");
        await app.InsertCommentAsync(ticketId, agentUser.Id, $"Seen {word} {word} {word} before: replace the {word} roller.");
        await app.InsertCommentAsync(ticketId, agentUser.Id, $"Ordered a new {word}.");

        var page = await agent.GlobalSearchAsync(word);

        Assert.Equal([ticketId], page.Ids());
        Assert.Equal(1, page.GetProperty("counts").GetProperty("tickets").GetInt64());
        var snippet = page.GetProperty("items")[0].GetProperty("snippet").GetString();
        Assert.Contains("tray reports", snippet);
        Assert.Contains($"<mark>{word}</mark>", snippet);
        Assert.True(page.GetProperty("items")[0].GetProperty("rank").GetSingle() > 0);
    }

    [Fact]
    public async Task Paging_and_limit_apply_to_the_merged_list()
    {
        var word = SearchTestData.Word();
        var customer = await app.RegisterCustomerAsync();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        for (var i = 0; i < 3; i++)
            await app.InsertTicketAsync(customer.Id, $"Ticket {i} {word}", "Body.");
        await agent.CreateArticleAsync($"Article {word}", "Body.");

        var all = (await agent.GlobalSearchAsync(word)).Ids();
        var second = await agent.GlobalSearchAsync(word, "&limit=2&offset=2");

        Assert.Equal(4, all.Count);
        Assert.Equal(all[2..], second.Ids());
        Assert.Equal(4, second.GetProperty("total").GetInt64());
    }

    [Fact]
    public async Task Customers_find_only_their_own_tickets_public_comments_and_published_articles()
    {
        var inTicket = SearchTestData.Word();
        var inPrivate = SearchTestData.Word();
        var inPublic = SearchTestData.Word();
        var inDraft = SearchTestData.Word();
        var inDeleted = SearchTestData.Word();
        var a = await app.RegisterCustomerAsync();
        var b = await app.RegisterCustomerAsync();
        var agentUser = await app.CreateUserAsync("agent");
        using var agent = app.ClientFor(agentUser);
        using var clientA = app.ClientFor(a);
        using var clientB = app.ClientFor(b);

        var (ticketA, _) = await app.InsertTicketAsync(a.Id, $"Invoice {inTicket}", "Billing question.");
        await app.InsertCommentAsync(ticketA, agentUser.Id, $"Internal: customer {inPrivate} is on the old plan.", "private");
        await app.InsertCommentAsync(ticketA, agentUser.Id, $"We looked into {inPublic} for you.");
        var (deletedTicket, _) = await app.InsertTicketAsync(a.Id, $"Gone {inDeleted}", "Deleted ticket.", deleted: true);
        var onDeleted = SearchTestData.Word();
        await app.InsertCommentAsync(deletedTicket, agentUser.Id, $"Noted {onDeleted} before it was removed.");
        var draft = await agent.CreateArticleAsync($"Upcoming {inDraft}", $"Not yet released {inDraft}.", published: false);

        // Customer B: none of A's words, through every search route.
        foreach (var word in new[] { inTicket, inPrivate, inPublic, inDraft, inDeleted })
        {
            var global = await clientB.GlobalSearchAsync(word);
            Assert.Empty(global.Ids());
            Assert.Equal(0, global.GetProperty("counts").GetProperty("tickets").GetInt64());
            Assert.Equal(0, global.GetProperty("counts").GetProperty("articles").GetInt64());
            Assert.Empty((await clientB.SearchArticlesAsync(word)).Ids());
        }

        // Customer A: their ticket by its text and by a public comment; never by the private comment, a draft or a deleted ticket.
        Assert.Equal([ticketA], (await clientA.GlobalSearchAsync(inTicket)).Ids());
        var viaPublic = await clientA.GlobalSearchAsync(inPublic);
        Assert.Equal([ticketA], viaPublic.Ids());
        Assert.Contains($"<mark>{inPublic}</mark>", viaPublic.GetProperty("items")[0].GetProperty("snippet").GetString());
        foreach (var word in new[] { inPrivate, inDraft, inDeleted })
        {
            Assert.Empty((await clientA.GlobalSearchAsync(word)).Ids());
            Assert.Empty((await clientA.SearchArticlesAsync(word)).Ids());
        }
        // A ticket found by its own words never shows a private comment's text in its snippet.
        var both = await clientA.GlobalSearchAsync($"{inTicket} or {inPrivate}");
        Assert.Equal([ticketA], both.Ids());
        Assert.DoesNotContain(inPrivate, both.GetProperty("items")[0].GetProperty("snippet").GetString());

        // Staff see it all, except the deleted ticket.
        var staffPrivate = await agent.GlobalSearchAsync(inPrivate);
        Assert.Equal([ticketA], staffPrivate.Ids());
        Assert.Contains($"<mark>{inPrivate}</mark>", staffPrivate.GetProperty("items")[0].GetProperty("snippet").GetString());
        Assert.Equal([draft.Id()], (await agent.GlobalSearchAsync(inDraft)).Ids());
        Assert.Empty((await agent.GlobalSearchAsync(inDeleted)).Ids());
        // Nor through a comment on it.
        var viaDeletedComment = await agent.GlobalSearchAsync(onDeleted);
        Assert.Empty(viaDeletedComment.Ids());
        Assert.Equal(0, viaDeletedComment.GetProperty("counts").GetProperty("tickets").GetInt64());
    }

    [Fact]
    public async Task Global_search_needs_a_signed_in_user()
    {
        using var anonymous = app.Anonymous();
        var response = await anonymous.GetAsync("/search/global?query=password");
        await response.AssertProblemAsync(System.Net.HttpStatusCode.Unauthorized);
    }
}
