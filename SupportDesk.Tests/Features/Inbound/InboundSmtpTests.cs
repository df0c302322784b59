using System.Net.Http.Json;
using Dapper;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>The SMTP listener, spoken to by MailKit's SmtpClient (what a relay does), and what the worker makes of the mail.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundSmtpTests(InboundFixture inbound)
{
    [Fact]
    public async Task A_new_mail_from_an_unknown_sender_opens_a_ticket_for_a_new_passwordless_customer_who_gets_the_confirmation()
    {
        var from = InboundMail.NewAddress("Newcomer");
        var message = InboundMail.Message(from, "Printer is on fire", "It smokes since this morning.\n\n-- \nCara Mailer\nACME Corp");

        await inbound.SendAsync(message);
        var row = await inbound.WaitProcessedAsync(message.MessageId);

        Assert.Equal(("processed", "smtp"), (row.Status, row.Source));
        var ticket = await inbound.TicketAsync(row.TicketId!.Value);
        Assert.Equal(("Printer is on fire", "It smokes since this morning.", "open"), (ticket.Title, ticket.Description, ticket.Status));
        await using var db = await inbound.OpenAsync();
        var user = await db.QuerySingleAsync<(Guid Id, string Role, string FirstName, string LastName)>(
            "SELECT id, role, first_name, last_name FROM users WHERE lower(email) = lower(@from)", new { from });
        Assert.Equal((ticket.RequesterId, "customer", "Cara", "Mailer"), (user.Id, user.Role, user.FirstName, user.LastName));

        // The confirmation goes to the new customer (only about their own ticket).
        var confirmation = Assert.Single(await inbound.Outgoing.WaitForAsync(from));
        Assert.Contains($"[#{ticket.Number}]", confirmation.Message.Subject);

        // No password signs in (the account has no hash at all): it is claimed through the reset flow.
        Assert.Null(await db.ExecuteScalarAsync<string?>("SELECT password_hash FROM users WHERE id = @Id", new { user.Id }));
        using var client = inbound.Factory.CreateClient();
        var login = await client.PostAsJsonAsync("/auth/login", new { email = from, password = "" + Guid.NewGuid() });
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, login.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/auth/forgot-password", new { email = from })).StatusCode);
        var resetMail = (await inbound.Outgoing.WaitForAsync(from, count: 2))[1];
        var token = Uri.UnescapeDataString(System.Text.RegularExpressions.Regex.Match(resetMail.Message.TextBody!, @"token=([^\s""<]+)").Groups[1].Value);
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await client.PostAsJsonAsync("/auth/reset-password", new { token, new_password = "claimed-by-mail-1" })).StatusCode);
        var claimed = await client.PostAsJsonAsync("/auth/login", new { email = from, password = "claimed-by-mail-1" });
        Assert.Equal(System.Net.HttpStatusCode.OK, claimed.StatusCode);
    }

    [Theory]
    [InlineData("Cara Mailer", "cara@example.test", "Cara", "Mailer")]
    [InlineData(null, "jane.doe@example.test", "Jane", "Doe")]
    [InlineData(null, "mary_ann-smith+support@example.test", "Mary", "Ann Smith Support")]
    [InlineData(null, "jdoe@example.test", "Jdoe", "(example.test)")]
    [InlineData("Cher", "c@example.test", "Cher", "(example.test)")]
    [InlineData("boss@bank.example", "evil@example.test", "Evil", "(example.test)")]
    public void A_senders_name_comes_from_the_display_name_or_the_address_never_a_placeholder(string? displayName, string address, string first, string last)
    {
        var names = SupportDesk.Features.Inbound.ProcessInbound.InboundMailProcessor.Names(new MailboxAddress(displayName, address));

        Assert.Equal((first, last), names);
    }

    [Fact]
    public async Task A_sender_without_a_display_name_becomes_a_customer_named_after_the_address()
    {
        var from = $"solo{Guid.NewGuid():N}@example.test";
        var message = InboundMail.Message(from, "No name here", "Hello.", fromName: null);

        await inbound.SendAsync(message);
        var row = await inbound.WaitProcessedAsync(message.MessageId);

        var ticket = await inbound.TicketAsync(row.TicketId!.Value);
        await using var db = await inbound.OpenAsync();
        var (firstName, lastName) = await db.QuerySingleAsync<(string, string)>(
            "SELECT first_name, last_name FROM users WHERE id = @id", new { id = ticket.RequesterId });
        Assert.Equal(("S" + from[1..from.IndexOf('@')], "(example.test)"), (firstName, lastName));
    }

    [Fact]
    public async Task An_unknown_sender_whose_domain_an_organization_holds_joins_that_organization()
    {
        var domain = $"org{Guid.NewGuid():N}.test";
        var organization = Guid.CreateVersion7();
        await using (var setup = await inbound.OpenAsync())
        {
            await setup.ExecuteAsync("INSERT INTO organizations (id, name) VALUES (@organization, @name)", new { organization, name = $"Org {domain}" });
            await setup.ExecuteAsync("INSERT INTO organization_domains (organization_id, domain) VALUES (@organization, @domain)", new { organization, domain });
        }
        var from = $"Dana.Member@{domain.ToUpperInvariant()}";
        var stranger = InboundMail.NewAddress("no-org");
        var member = InboundMail.Message(from, "Our invoices are missing", "Since last month.");
        var outsider = InboundMail.Message(stranger, "Invoices", "Same here.");

        await inbound.SendAsync(member);
        await inbound.SendAsync(outsider);
        await inbound.WaitProcessedAsync(member.MessageId);
        await inbound.WaitProcessedAsync(outsider.MessageId);

        await using var db = await inbound.OpenAsync();
        Assert.Equal(organization, await db.QuerySingleAsync<Guid?>("SELECT organization_id FROM users WHERE lower(email) = lower(@from)", new { from }));
        Assert.Null(await db.QuerySingleAsync<Guid?>("SELECT organization_id FROM users WHERE lower(email) = lower(@stranger)", new { stranger }));
    }

    [Fact]
    public async Task Replying_to_the_confirmation_email_as_a_mail_client_does_lands_on_the_same_ticket_with_only_the_new_text()
    {
        var from = InboundMail.NewAddress("replier");
        var first = InboundMail.Message(from, "VPN drops every hour", "The VPN disconnects every hour.");
        await inbound.SendAsync(first);
        var opened = await inbound.WaitProcessedAsync(first.MessageId);
        var confirmation = Assert.Single(await inbound.Outgoing.WaitForAsync(from)).Message;

        var reply = InboundMail.ReplyTo(confirmation, from, "It also happens on the office Wi-Fi.");
        await inbound.SendAsync(reply);
        var row = await inbound.WaitProcessedAsync(reply.MessageId);

        Assert.Equal((opened.TicketId, "processed"), (row.TicketId, row.Status));
        var comment = Assert.Single(await inbound.CommentsAsync(opened.TicketId!.Value));
        Assert.Equal(("It also happens on the office Wi-Fi.", "public", await inbound.UserIdAsync(from)), (comment.Content, comment.CommentType, (Guid?)comment.AuthorId));
        Assert.Equal(row.CommentId, comment.Id);
    }

    [Fact]
    public async Task A_recipient_that_is_not_ours_is_refused_with_550_at_RCPT_and_nothing_is_stored()
    {
        var message = InboundMail.Message(InboundMail.NewAddress(), "Relay me", "Please relay.", to: "someone@elsewhere.test");

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => inbound.SendAsync(message));

        Assert.Equal((SmtpErrorCode.RecipientNotAccepted, 550), (error.ErrorCode, (int)error.StatusCode));
        Assert.Empty(await inbound.RowsAsync(message.MessageId));
    }

    [Fact]
    public async Task A_whole_accepted_domain_takes_any_of_its_addresses()
    {
        var message = InboundMail.Message(InboundMail.NewAddress(), "Invoice question", "Invoice 42 is wrong.", to: InboundFixture.OtherAccepted);

        await inbound.SendAsync(message);

        Assert.Equal("processed", (await inbound.WaitProcessedAsync(message.MessageId)).Status);
    }

    [Fact]
    public async Task A_mail_over_the_size_limit_is_refused_with_552_and_nothing_is_stored()
    {
        var message = InboundMail.Message(InboundMail.NewAddress(), "Huge", new string('x', (InboundFixture.MaxMessageMb + 1) * 1024 * 1024));

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => inbound.SendAsync(message));

        Assert.Equal(552, (int)error.StatusCode);
        Assert.Empty(await inbound.RowsAsync(message.MessageId));
    }

    [Fact]
    public async Task STARTTLS_is_offered_with_the_configured_certificate_and_mail_over_it_becomes_a_ticket()
    {
        var message = InboundMail.Message(InboundMail.NewAddress(), "Sent over TLS", "Encrypted in transit.");
        using (var smtp = new SmtpClient())
        {
            smtp.ServerCertificateValidationCallback = (_, cert, _, _) => cert!.GetCertHashString() == inbound.Certificate.GetCertHashString();
            await smtp.ConnectAsync("127.0.0.1", inbound.Port, SecureSocketOptions.StartTls);
            Assert.True(smtp.IsSecure);
            Assert.True(smtp.Capabilities.HasFlag(SmtpCapabilities.Size));
            Assert.Equal((uint)(InboundFixture.MaxMessageMb * 1024 * 1024), smtp.MaxSize);
            await smtp.SendAsync(message);
            await smtp.DisconnectAsync(true);
        }

        Assert.Equal("processed", (await inbound.WaitProcessedAsync(message.MessageId)).Status);
    }

    [Fact]
    public async Task The_same_message_delivered_twice_is_stored_once_and_makes_one_comment()
    {
        var from = InboundMail.NewAddress("twice");
        var first = InboundMail.Message(from, "Twice", "Original.");
        await inbound.SendAsync(first);
        var opened = await inbound.WaitProcessedAsync(first.MessageId);
        var reply = InboundMail.Message(from, $"Re: Twice [#{(await inbound.TicketAsync(opened.TicketId!.Value)).Number}]", "Once only, please.");

        await inbound.SendAsync(reply);
        await inbound.SendAsync(reply);
        await inbound.WaitProcessedAsync(reply.MessageId);

        Assert.Single(await inbound.RowsAsync(reply.MessageId));
        Assert.Single(await inbound.CommentsAsync(opened.TicketId.Value));
    }
}

[CollectionDefinition(Name)]
public sealed class InboundCollection : ICollectionFixture<InboundFixture>
{
    public const string Name = "Inbound email";
}
