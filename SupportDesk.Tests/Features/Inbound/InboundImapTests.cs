using Dapper;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>IMAP fetching from a real Dovecot (scripts/lib/dovecot.sh): this run's folder, watched with IDLE.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundImapTests(InboundFixture inbound)
{
    [Fact]
    public async Task A_mail_delivered_into_the_mailbox_becomes_a_ticket_and_is_marked_only_after_it_is_stored()
    {
        var from = InboundMail.NewAddress("imap");
        var mail = InboundMail.Message(from, "Found via IMAP", "Delivered into Dovecot.");

        var uid = await inbound.AppendToImapAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.Equal(("imap", "processed"), (row.Source, row.Status));
        var ticket = await inbound.TicketAsync(row.TicketId!.Value);
        Assert.Equal(("Found via IMAP", "Delivered into Dovecot.", await inbound.UserIdAsync(from)), (ticket.Title, ticket.Description, (Guid?)ticket.RequesterId));
        var (flags, keywords) = await inbound.ImapFlagsAsync(uid!.Value);
        Assert.True(flags.HasFlag(MailKit.MessageFlags.Seen));
        Assert.Contains(SupportDesk.Infrastructure.Inbound.InboundImapPoller.StoredKeyword, keywords);
    }

    [Fact]
    public async Task The_same_reply_by_SMTP_and_by_IMAP_makes_one_comment()
    {
        var from = InboundMail.NewAddress("both-ways");
        var first = InboundMail.Message(from, "Both ways", "Opening.");
        await inbound.SendAsync(first);
        var ticketId = (await inbound.WaitProcessedAsync(first.MessageId)).TicketId!.Value;
        var confirmation = Assert.Single(await inbound.Outgoing.WaitForAsync(from)).Message;
        var reply = InboundMail.ReplyTo(confirmation, from, "Sent once, arrives twice.");

        await inbound.SendAsync(reply);
        var uid = await inbound.AppendToImapAsync(reply);

        await inbound.WaitProcessedAsync(reply.MessageId);
        await EmailTestData.EventuallyAsync(async () => (await inbound.ImapFlagsAsync(uid!.Value)).Keywords.Count > 0, "the IMAP copy was fetched");
        Assert.Single(await inbound.RowsAsync(reply.MessageId));
        var comment = Assert.Single(await inbound.CommentsAsync(ticketId));
        Assert.Equal("Sent once, arrives twice.", comment.Content);
    }
}
