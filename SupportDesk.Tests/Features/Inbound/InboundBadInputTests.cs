using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using Dapper;
using MailKit.Net.Smtp;
using MimeKit;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>Hostile and broken mail: none is a crash or a lost mail.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundBadInputTests(InboundFixture inbound)
{
    private static byte[] Crlf(string raw) => Encoding.UTF8.GetBytes(raw.Replace("\r\n", "\n").Replace("\n", "\r\n"));

    [Fact]
    public async Task Swaks_sends_a_mail_that_becomes_a_ticket_and_is_refused_for_a_foreign_recipient()
    {
        var from = InboundMail.NewAddress("swaks");
        var id = $"<swaks-{Guid.NewGuid():N}@client.test>";
        var (code, output) = await SwaksAsync("--from", from, "--to", InboundFixture.Support, "--header", "Subject: Sent with swaks",
            "--header", $"Message-Id: {id}", "--body", "Hello from the command line.");
        Assert.True(code == 0, output);
        Assert.Contains(" 250 ", output);

        var row = await inbound.WaitProcessedAsync(id);
        Assert.Equal(("Sent with swaks", "Hello from the command line."), ((await inbound.TicketAsync(row.TicketId!.Value)).Title, (await inbound.TicketAsync(row.TicketId.Value)).Description));

        var (refusedCode, refused) = await SwaksAsync("--from", from, "--to", "someone@elsewhere.test", "--body", "relay?");
        Assert.NotEqual(0, refusedCode);
        Assert.Contains("550", refused);
    }

    private async Task<(int Code, string Output)> SwaksAsync(params string[] args)
    {
        var start = new ProcessStartInfo("swaks") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--server", "127.0.0.1", "--port", inbound.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(args))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("swaks did not start (scripts/test installs it)");
        var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, output);
    }

    [Fact]
    public async Task Malformed_MIME_with_a_missing_closing_boundary_and_garbage_headers_still_becomes_a_ticket()
    {
        var reply = await inbound.SendRawAsync(Crlf($"""
            From: broken@example.test
            To: support@mail.supportdesk.test
            Subject: malformed-mime-case
            This line is not a header
            Content-Type: multipart/mixed; boundary="never-closed"
            Message-ID: <malformed-{Guid.NewGuid():N}@example.test>

            --never-closed
            Content-Type: text/plain

            The body survives.
            --never-closed
            Content-Type: image/png; name="cut.png"
            Content-Transfer-Encoding: base64

            iVBORw0KGgo=%%%not base64
            """), "broken@example.test");

        Assert.StartsWith("250", reply);
        var row = await inbound.WaitBySubjectAsync("malformed-mime-case");
        Assert.Equal("processed", row.Status);
        Assert.Contains("The body survives.", (await inbound.TicketAsync(row.TicketId!.Value)).Description);
    }

    [Fact]
    public async Task A_mail_without_a_Message_ID_is_stored_and_processed()
    {
        Assert.StartsWith("250", await inbound.SendRawAsync(Crlf("""
            From: no-id@example.test
            To: support@mail.supportdesk.test
            Subject: no-message-id-case

            Nobody gave me an id.
            """), "no-id@example.test"));

        var row = await inbound.WaitBySubjectAsync("no-message-id-case");
        Assert.Equal(("processed", null), (row.Status, row.MessageId));
    }

    [Fact]
    public async Task Two_different_mails_sharing_one_Message_ID_are_both_kept()
    {
        var id = $"<shared-{Guid.NewGuid():N}@example.test>";
        foreach (var n in new[] { 1, 2 })
        {
            var mail = InboundMail.Message(InboundMail.NewAddress("shared"), $"Shared id {n}", $"Different mail {n}.");
            mail.MessageId = id.Trim('<', '>');
            await inbound.SendAsync(mail);
        }

        await EmailTestData.EventuallyAsync(async () => (await inbound.RowsAsync(id)).Count(r => r.Status == "processed") == 2, "both processed");
        Assert.Equal(2, (await inbound.RowsAsync(id)).Select(r => r.TicketId).Distinct().Count());
    }

    [Fact]
    public async Task Raw_8_bit_UTF_8_headers_and_encoded_words_with_unknown_charsets_are_read_as_well_as_they_can_be()
    {
        Assert.StartsWith("250", await inbound.SendRawAsync(Crlf($"""
            From: Zoë Größe <zoe@example.test>
            To: support@mail.supportdesk.test
            Subject: eightbit-case Grüße =?x-no-such-charset?B?SGVsbG8=?= =?utf-8?Q?broken_word
            Message-ID: <eightbit-{Guid.NewGuid():N}@example.test>
            Content-Type: text/plain; charset=x-unknown

            Body in an unknown charset: café.
            """), "zoe@example.test"));

        var row = await inbound.WaitBySubjectAsync("eightbit-case");
        Assert.Equal("processed", row.Status);
        var ticket = await inbound.TicketAsync(row.TicketId!.Value);
        Assert.StartsWith("eightbit-case Grüße", ticket.Title);
        Assert.Contains("Body in an unknown charset", ticket.Description);
        await using var db = await inbound.OpenAsync();
        Assert.Equal("Zoë", await db.ExecuteScalarAsync<string>("SELECT first_name FROM users WHERE id = @id", new { id = ticket.RequesterId }));
    }

    [Fact]
    public async Task Multiparts_nested_200_deep_are_processed_without_a_crash()
    {
        var builder = new StringBuilder($"From: nested@example.test\nTo: support@mail.supportdesk.test\nSubject: nested-200-case\nMessage-ID: <nested-{Guid.NewGuid():N}@example.test>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n");
        for (var i = 1; i <= 200; i++)
            builder.Append($"--b{i - 1}\nContent-Type: multipart/mixed; boundary=\"b{i}\"\n\n");
        builder.Append("--b200\nContent-Type: text/plain\n\nDeep down.\n");
        for (var i = 200; i >= 0; i--)
            builder.Append($"--b{i}--\n");

        Assert.StartsWith("250", await inbound.SendRawAsync(Crlf(builder.ToString()), "nested@example.test"));

        Assert.Equal("processed", (await inbound.WaitBySubjectAsync("nested-200-case")).Status);
    }

    [Fact]
    public async Task A_50_MB_mail_is_refused_with_552_before_its_data_and_nothing_is_stored()
    {
        var mail = InboundMail.Message(InboundMail.NewAddress("big"), "Fifty megabytes", "");
        var builder = new BodyBuilder { TextBody = "See attachment." };
        builder.Attachments.Add("big.bin", new byte[50 * 1024 * 1024]);
        mail.Body = builder.ToMessageBody();

        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => inbound.SendAsync(mail));

        Assert.Equal(552, (int)error.StatusCode);
        Assert.Empty(await inbound.RowsAsync(mail.MessageId));
    }

    [Fact]
    public async Task A_zip_bomb_is_stored_as_the_small_zip_it_is_and_never_unpacked()
    {
        var bomb = new MemoryStream();
        using (var zip = new ZipArchive(bomb, ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var entry = zip.CreateEntry("zeros.bin", CompressionLevel.SmallestSize).Open();
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i < 200; i++)
                await entry.WriteAsync(zeros);
        }
        var builder = new BodyBuilder { TextBody = "Please unpack." };
        builder.Attachments.Add("bomb.zip", bomb.ToArray(), new ContentType("application", "zip"));
        var mail = InboundMail.Message(InboundMail.NewAddress("bomb"), "Zip bomb", "");
        mail.Body = builder.ToMessageBody();

        await inbound.SendAsync(mail);

        var ticketId = (await inbound.WaitProcessedAsync(mail.MessageId)).TicketId!.Value;
        var file = Assert.Single(await inbound.AttachmentsAsync(ticketId));
        Assert.Equal(("bomb.zip", "application/zip", bomb.Length), (file.FileName, file.ContentType, file.Size));
    }

    [Fact]
    public async Task NUL_and_bidirectional_controls_in_headers_are_removed_from_what_people_read()
    {
        const string Rlo = "\u202E";
        var raw = Crlf($"""
            From: "Evil{Rlo}gnp.exe" <bidi@example.test>
            To: support@mail.supportdesk.test
            Subject: bidi-case invoice{Rlo}fdp.exe
            Message-ID: <bidi-{Guid.NewGuid():N}@example.test>

            Body.
            """);
        // A NUL byte inside the Subject, as no honest client writes it.
        var withNul = Encoding.UTF8.GetString(raw).Replace("bidi-case", "bidi-case\0", StringComparison.Ordinal);

        Assert.StartsWith("250", await inbound.SendRawAsync(Encoding.UTF8.GetBytes(withNul), "bidi@example.test"));

        var row = await inbound.WaitBySubjectAsync("bidi-case");
        Assert.Equal("processed", row.Status);
        var ticket = await inbound.TicketAsync(row.TicketId!.Value);
        Assert.Equal("bidi-case invoicefdp.exe", ticket.Title);
        await using var db = await inbound.OpenAsync();
        var name = await db.ExecuteScalarAsync<string>("SELECT first_name FROM users WHERE id = @id", new { id = ticket.RequesterId });
        Assert.DoesNotContain("\u202E", name!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_display_name_that_looks_like_another_address_does_not_make_the_mail_theirs()
    {
        await using var db = await inbound.OpenAsync();
        var ceo = await EmailTestData.CreateUserAsync(db, "agent", firstName: "Real", lastName: "Boss");
        var attacker = InboundMail.NewAddress("attacker");
        var mail = InboundMail.Message(attacker, "Urgent wire transfer", "Please pay now.", fromName: ceo.Email);

        await inbound.SendAsync(mail);

        var ticket = await inbound.TicketAsync((await inbound.WaitProcessedAsync(mail.MessageId)).TicketId!.Value);
        Assert.Equal(await inbound.UserIdAsync(attacker), ticket.RequesterId);
        Assert.NotEqual(ceo.Id, ticket.RequesterId);
        var (first, last) = await db.QuerySingleAsync<(string, string)>("SELECT first_name, last_name FROM users WHERE id = @id", new { id = ticket.RequesterId });
        Assert.DoesNotContain("@", first + last);
    }
}
