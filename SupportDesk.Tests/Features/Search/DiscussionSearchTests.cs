using Dapper;
using SupportDesk.Tests.Infrastructure;

namespace SupportDesk.Tests.Features.Search;

/// <summary>Staff search a ticket's whole discussion (its text and all comments), kept by triggers on comments.</summary>
public sealed class DiscussionSearchTests(AppFixture app)
{
    [Fact]
    public async Task Staff_find_tickets_by_any_comment_and_the_snippet_comes_from_the_matching_comment()
    {
        var word = SearchKit.Word();
        var customer = await app.RegisterCustomerAsync();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        using var customerClient = app.ClientFor(customer);
        var (ticketId, _) = await app.InsertTicketAsync(customer.Id, "Printer offline", "It stopped working yesterday.");
        await app.InsertCommentAsync(ticketId, customer.Id, "First reply, nothing special.");
        await app.InsertCommentAsync(ticketId, customer.Id, $"The {word} driver fixed it.");
        var secret = SearchKit.Word();
        await app.InsertCommentAsync(ticketId, customer.Id, $"Internal: {secret} escalation.", "private");

        var page = await agent.GlobalSearchAsync(word);
        Assert.Equal([ticketId], page.Ids());
        Assert.Contains($"<mark>{word}</mark>", page.GetProperty("items")[0].GetProperty("snippet").GetString());
        Assert.Equal([ticketId], (await agent.GlobalSearchAsync(secret)).Ids());
        // Terms spread over the ticket's text and a comment still find the ticket for staff.
        Assert.Equal([ticketId], (await agent.GlobalSearchAsync($"offline {word}")).Ids());
        // The customer's search never reads the private comment.
        Assert.Empty((await customerClient.GlobalSearchAsync(secret)).Ids());
        Assert.Equal([ticketId], (await customerClient.GlobalSearchAsync(word)).Ids());
    }

    [Fact]
    public async Task Editing_or_deleting_a_comment_updates_what_finds_the_ticket()
    {
        var before = SearchKit.Word();
        var after = SearchKit.Word();
        var customer = await app.RegisterCustomerAsync();
        using var agent = app.ClientFor(await app.CreateUserAsync("agent"));
        var (ticketId, _) = await app.InsertTicketAsync(customer.Id, "Sync issue", "Calendar does not sync.");
        var commentId = await app.InsertCommentAsync(ticketId, customer.Id, $"Tried {before} already.");
        Assert.Equal([ticketId], (await agent.GlobalSearchAsync(before)).Ids());

        await using var connection = await app.OpenConnectionAsync();
        await connection.ExecuteAsync("UPDATE comments SET content = @content WHERE id = @commentId", new { content = $"Tried {after} instead.", commentId });
        Assert.Empty((await agent.GlobalSearchAsync(before)).Ids());
        Assert.Equal([ticketId], (await agent.GlobalSearchAsync(after)).Ids());

        await connection.ExecuteAsync("DELETE FROM comments WHERE id = @commentId", new { commentId });
        Assert.Empty((await agent.GlobalSearchAsync(after)).Ids());
        var stored = await connection.ExecuteScalarAsync<string>("SELECT comments_vector::text FROM tickets WHERE id = @ticketId", new { ticketId });
        Assert.Equal("", stored);
    }
}
