using Dapper;
using MimeKit;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>Loop and abuse protection: each rule with a sample of what real mailers send.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundLoopTests(InboundFixture inbound)
{
    private async Task<int> OutboxRowsForAsync(Guid? ticketId)
    {
        await using var db = await inbound.OpenAsync();
        return await db.ExecuteScalarAsync<int>("SELECT count(*) FROM email_outbox WHERE ticket_id = @ticketId", new { ticketId });
    }

    public static TheoryData<string, string> AutomaticHeaders => new()
    {
        { "Auto-Submitted", "auto-replied" },
        { "Auto-Submitted", "auto-generated" },
        { "Precedence", "bulk" },
        { "Precedence", "junk" },
        { "Precedence", "list" },
        { "X-Autoreply", "yes" },
        { "X-Autorespond", "Out of office" },
        { "List-Id", "Announcements <announce.lists.example.test>" },
        { "List-Unsubscribe", "<mailto:leave@lists.example.test>" },
    };

    [Theory]
    [MemberData(nameof(AutomaticHeaders))]
    public async Task Auto_generated_mail_opens_a_ticket_without_any_confirmation(string header, string value)
    {
        var mail = InboundMail.Message(InboundMail.NewAddress("auto"), "Weekly digest", "Here is what happened this week.");
        mail.Headers.Add(header, value);

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.Equal(("processed", true), (row.Status, row.IsAuto));
        Assert.Equal(0, await OutboxRowsForAsync(row.TicketId));
    }

    [Fact]
    public async Task Auto_submitted_no_is_a_person()
    {
        var mail = InboundMail.Message(InboundMail.NewAddress("person"), "Hello", "Written by hand.");
        mail.Headers.Add("Auto-Submitted", "no");

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.False(row.IsAuto);
        await EmailTestData.EventuallyAsync(async () => await OutboxRowsForAsync(row.TicketId) == 1, "the confirmation");
    }

    [Fact]
    public async Task An_out_of_office_reply_to_our_mail_is_kept_as_a_private_note_and_never_reopens_the_ticket()
    {
        var from = InboundMail.NewAddress("ooo");
        var first = InboundMail.Message(from, "Need help", "Please help.");
        await inbound.SendAsync(first);
        var ticketId = (await inbound.WaitProcessedAsync(first.MessageId)).TicketId!.Value;
        var confirmation = Assert.Single(await inbound.Outgoing.WaitForAsync(from)).Message;
        await using var db = await inbound.OpenAsync();
        await db.ExecuteAsync("UPDATE tickets SET status = 'resolved', resolved_at = now() WHERE id = @ticketId", new { ticketId });
        var outboxBefore = await OutboxRowsForAsync(ticketId);

        // What Exchange sends while someone is away.
        var ooo = InboundMail.ReplyTo(confirmation, from, "I am out of the office until Monday.");
        ooo.Subject = "Automatic reply: " + confirmation.Subject;
        ooo.Headers.Add("Auto-Submitted", "auto-replied");
        ooo.Headers.Add("X-Auto-Response-Suppress", "All");
        await inbound.SendAsync(ooo);

        var row = await inbound.WaitProcessedAsync(ooo.MessageId);
        Assert.Equal((ticketId, true), (row.TicketId, row.IsAuto));
        var note = Assert.Single(await inbound.CommentsAsync(ticketId));
        Assert.Equal("private", note.CommentType);
        Assert.Contains("I am out of the office until Monday.", note.Content);
        Assert.Equal("resolved", (await inbound.TicketAsync(ticketId)).Status);
        Assert.Equal(outboxBefore, await OutboxRowsForAsync(ticketId));
    }

    [Fact]
    public async Task A_bounce_as_multipart_report_from_MAILER_DAEMON_with_an_empty_return_path_is_flagged_not_a_ticket()
    {
        // A Postfix delivery status notification.
        var raw = $"""
            Return-Path: <>
            From: MAILER-DAEMON@mx.example.test (Mail Delivery System)
            To: {InboundFixture.Support}
            Subject: Undelivered Mail Returned to Sender
            Message-ID: <bounce.{Guid.NewGuid():N}@mx.example.test>
            MIME-Version: 1.0
            Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

            --B1
            Content-Type: text/plain

            I'm sorry to have to inform you that your message could not be delivered.

            --B1
            Content-Type: message/delivery-status

            Reporting-MTA: dns; mx.example.test
            Final-Recipient: rfc822; gone@example.test
            Action: failed
            Status: 5.1.1

            --B1--
            """.Replace("\n", "\r\n");
        var message = MimeMessage.Load(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(raw)));

        await inbound.SendAsync(message, envelopeFrom: new MailboxAddress("", "MAILER-DAEMON@mx.example.test"));

        var row = await inbound.WaitProcessedAsync(message.MessageId);
        Assert.Equal(("flagged", null), (row.Status, row.TicketId));
        Assert.Contains("bounce", row.Reason);
        Assert.Null(await inbound.UserIdAsync("MAILER-DAEMON@mx.example.test"));
    }

    [Fact]
    public async Task An_empty_envelope_sender_alone_marks_a_delivery_notification()
    {
        var mail = InboundMail.Message(InboundMail.NewAddress("dsn"), "Delivery delayed", "Your message is delayed.");

        // swaks-style MAIL FROM:<> is what the null reverse path looks like; MailKit sends it for an empty address.
        await inbound.SendAsync(mail, envelopeFrom: new MailboxAddress("", ""));

        Assert.Equal("flagged", (await inbound.WaitProcessedAsync(mail.MessageId)).Status);
    }

    [Fact]
    public async Task Mail_from_our_own_address_is_a_loop_and_is_flagged()
    {
        var mail = InboundMail.Message(InboundFixture.Support, "Your request was received", "Reply to this email…", fromName: "SupportDesk");

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.Equal(("flagged", null), (row.Status, row.TicketId));
        Assert.Contains("loop", row.Reason);
    }

    [Fact]
    public async Task Past_the_per_sender_cap_mail_is_stored_and_flagged_not_turned_into_tickets()
    {
        var from = InboundMail.NewAddress("flood");
        var rows = new List<InboundRow>();
        for (var i = 0; i < 5; i++)
        {
            var mail = InboundMail.Message(from, $"Flood {i}", $"Message {i}");
            await inbound.SendAsync(mail);
            rows.Add(await inbound.WaitProcessedAsync(mail.MessageId));
        }

        // The fixture's cap is 3 per hour.
        Assert.Equal(["processed", "processed", "processed", "flagged", "flagged"], rows.Select(r => r.Status));
        Assert.All(rows.Skip(3), r => Assert.Null(r.TicketId));
        Assert.Contains("INBOUND_MAX_TICKETS_PER_SENDER_PER_HOUR", rows[3].Reason);
    }
}
