using Dapper;
using MimeKit;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>The threading rules, in their order, each with the mail that exercises it.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundThreadingTests(InboundFixture inbound)
{
    private async Task<(InboundTicket Ticket, MimeMessage Confirmation, string From)> OpenAsync(string subject = "Laptop will not boot")
    {
        var from = InboundMail.NewAddress("thread");
        var first = InboundMail.Message(from, subject, "Black screen after the update.");
        await inbound.SendAsync(first);
        var row = await inbound.WaitProcessedAsync(first.MessageId);
        var confirmation = Assert.Single(await inbound.Outgoing.WaitForAsync(from)).Message;
        return (await inbound.TicketAsync(row.TicketId!.Value), confirmation, from);
    }

    [Fact]
    public async Task References_alone_naming_the_thread_root_find_the_ticket()
    {
        var (ticket, _, from) = await OpenAsync();
        var reply = InboundMail.Message(from, "A new subject entirely", "Still broken.");
        reply.References.Add($"ticket-{ticket.Id}@{EmailTestData.Domain}");

        await inbound.SendAsync(reply);

        Assert.Equal(ticket.Id, (await inbound.WaitProcessedAsync(reply.MessageId)).TicketId);
    }

    [Fact]
    public async Task A_reply_to_a_mail_already_on_a_ticket_joins_that_ticket()
    {
        var (ticket, confirmation, from) = await OpenAsync();
        var firstReply = InboundMail.ReplyTo(confirmation, from, "First reply.");
        await inbound.SendAsync(firstReply);
        await inbound.WaitProcessedAsync(firstReply.MessageId);
        // A colleague answers the customer's own mail (not ours): its Message-ID is on the ticket.
        var colleague = InboundMail.NewAddress("colleague");
        var answer = InboundMail.Message(colleague, "Re: whatever", "Same here.");
        answer.InReplyTo = firstReply.MessageId;

        await inbound.SendAsync(answer);

        var row = await inbound.WaitProcessedAsync(answer.MessageId);
        Assert.Equal(ticket.Id, row.TicketId);
        await using var db = await inbound.OpenAsync();
        Assert.True(await db.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM ticket_followers f JOIN users u ON u.id = f.user_id WHERE f.ticket_id = @id AND lower(u.email) = lower(@colleague))",
            new { id = ticket.Id, colleague }));
    }

    [Fact]
    public async Task The_body_marker_finds_the_ticket_when_the_provider_dropped_our_message_ids()
    {
        var (ticket, confirmation, from) = await OpenAsync();
        Assert.Contains("sdref-", confirmation.TextBody);
        var reply = InboundMail.ReplyTo(confirmation, from, "Here is the log.");
        reply.InReplyTo = null;
        reply.References.Clear();
        reply.Subject = "Fwd: something else";

        await inbound.SendAsync(reply);

        Assert.Equal(ticket.Id, (await inbound.WaitProcessedAsync(reply.MessageId)).TicketId);
    }

    [Fact]
    public async Task A_forged_body_marker_finds_nothing()
    {
        var (ticket, _, from) = await OpenAsync();
        var forged = InboundMail.Message(from, "Guess", $"[sdref-{ticket.Id:N}-0123456789abcdef]");

        await inbound.SendAsync(forged);

        Assert.NotEqual(ticket.Id, (await inbound.WaitProcessedAsync(forged.MessageId)).TicketId);
    }

    [Fact]
    public async Task The_subject_token_joins_the_requesters_mail_even_with_an_edited_subject()
    {
        var (ticket, _, from) = await OpenAsync();
        var mail = InboundMail.Message(from, $"Totally renamed [#{ticket.Number}]", "Any news?");

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.Equal(ticket.Id, row.TicketId);
        Assert.Equal("Any news?", Assert.Single(await inbound.CommentsAsync(ticket.Id)).Content);
    }

    [Fact]
    public async Task A_stranger_guessing_a_ticket_number_opens_a_ticket_of_their_own()
    {
        var (ticket, _, _) = await OpenAsync();
        var stranger = InboundMail.NewAddress("stranger");
        var mail = InboundMail.Message(stranger, $"Re: Laptop will not boot [#{ticket.Number}]", "Let me in.");

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.NotEqual(ticket.Id, row.TicketId);
        Assert.Empty(await inbound.CommentsAsync(ticket.Id));
        Assert.Equal(await inbound.UserIdAsync(stranger), (await inbound.TicketAsync(row.TicketId!.Value)).RequesterId);
    }

    [Fact]
    public async Task Staff_may_use_the_subject_token_and_write_as_themselves()
    {
        var (ticket, _, _) = await OpenAsync();
        await using var db = await inbound.OpenAsync();
        var agent = await EmailTestData.CreateUserAsync(db, "agent", firstName: "Alex", lastName: "Agent");
        var mail = InboundMail.Message(agent.Email.ToUpperInvariant(), $"Re: [#{ticket.Number}]", "Please try safe mode.");

        await inbound.SendAsync(mail);

        Assert.Equal(ticket.Id, (await inbound.WaitProcessedAsync(mail.MessageId)).TicketId);
        var comment = Assert.Single(await inbound.CommentsAsync(ticket.Id));
        Assert.Equal((agent.Id, "public"), (comment.AuthorId, comment.CommentType));
    }

    [Fact]
    public async Task The_same_subject_alone_never_joins_tickets()
    {
        var (ticket, _, from) = await OpenAsync("Unique subject for matching");
        var mail = InboundMail.Message(from, "Re: Unique subject for matching", "Another problem.");

        await inbound.SendAsync(mail);

        Assert.NotEqual(ticket.Id, (await inbound.WaitProcessedAsync(mail.MessageId)).TicketId);
    }

    [Fact]
    public async Task A_reply_reopens_a_recently_closed_ticket_but_an_old_one_gets_a_linked_follow_up()
    {
        var (recent, recentMail, from) = await OpenAsync();
        var (old, oldMail, oldFrom) = await OpenAsync();
        await using var db = await inbound.OpenAsync();
        await db.ExecuteAsync("UPDATE tickets SET status = 'closed', closed_at = now() - interval '1 day' WHERE id = @id", new { id = recent.Id });
        await db.ExecuteAsync("UPDATE tickets SET status = 'closed', closed_at = now() - interval '400 days' WHERE id = @id", new { id = old.Id });

        var toRecent = InboundMail.ReplyTo(recentMail, from, "It is back.");
        var toOld = InboundMail.ReplyTo(oldMail, oldFrom, "It is back after a year.");
        await inbound.SendAsync(toRecent);
        await inbound.SendAsync(toOld);

        Assert.Equal(recent.Id, (await inbound.WaitProcessedAsync(toRecent.MessageId)).TicketId);
        Assert.Equal("open", (await inbound.TicketAsync(recent.Id)).Status);
        var followUp = (await inbound.WaitProcessedAsync(toOld.MessageId)).TicketId!.Value;
        Assert.NotEqual(old.Id, followUp);
        Assert.Equal("closed", (await inbound.TicketAsync(old.Id)).Status);
        Assert.StartsWith($"Follow-up to #{old.Number}", (await inbound.TicketAsync(followUp)).Description);
    }

    [Fact]
    public async Task Cc_addresses_follow_the_ticket_and_get_its_public_replies()
    {
        var from = InboundMail.NewAddress("cc-owner");
        var colleague = InboundMail.NewAddress("cc-colleague");
        var mail = InboundMail.Message(from, "Shared problem", "My colleague sees it too.");
        mail.Cc.Add(MailboxAddress.Parse(colleague));
        await inbound.SendAsync(mail, recipients: [MailboxAddress.Parse(InboundFixture.Support)]);
        var ticketId = (await inbound.WaitProcessedAsync(mail.MessageId)).TicketId!.Value;
        var ticket = await inbound.TicketAsync(ticketId);

        await using var db = await inbound.OpenAsync();
        var agent = await EmailTestData.CreateUserAsync(db, "agent");
        var answer = InboundMail.Message(agent.Email, $"Re: [#{ticket.Number}]", "Fixed for both of you.");
        await inbound.SendAsync(answer);
        await inbound.WaitProcessedAsync(answer.MessageId);

        var toColleague = Assert.Single(await inbound.Outgoing.WaitForAsync(colleague));
        Assert.Contains("Fixed for both of you.", toColleague.Message.TextBody);
        // A follower may answer by the subject token.
        var followerReply = InboundMail.Message(colleague, $"Re: [#{ticket.Number}]", "Works now, thanks.");
        await inbound.SendAsync(followerReply);
        Assert.Equal(ticketId, (await inbound.WaitProcessedAsync(followerReply.MessageId)).TicketId);
    }
}
