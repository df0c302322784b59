using System.Text;
using MimeKit;

namespace SupportDesk.Tests.Features.Inbound;

/// <summary>What is taken from a mail: the new text in any charset, plain text from HTML, attachments under the limits.</summary>
[Collection(InboundCollection.Name)]
public sealed class InboundContentTests(InboundFixture inbound)
{
    private async Task<InboundTicket> TicketFromRawAsync(string raw, string subjectKey, Encoding? encoding = null)
    {
        var reply = await inbound.SendRawAsync((encoding ?? Encoding.UTF8).GetBytes(raw.Replace("\r\n", "\n").Replace("\n", "\r\n")), InboundMail.NewAddress("raw"));
        Assert.StartsWith("250", reply);
        var row = await inbound.WaitBySubjectAsync(subjectKey);
        Assert.Equal("processed", row.Status);
        return await inbound.TicketAsync(row.TicketId!.Value);
    }

    public static TheoryData<string, string> QuotedReplies => new()
    {
        // Gmail, wrapped before "wrote:".
        { "gmail", "New info.\n\nOn Wed, Dec 2, 2026 at 10:15 AM SupportDesk <support@mail.supportdesk.test>\nwrote:\n> Your request was received." },
        // Apple Mail.
        { "apple", "New info.\n\n> On 2 Dec 2026, at 10:15, SupportDesk <support@mail.supportdesk.test> wrote:\n> \n> Your request was received." },
        // Thunderbird.
        { "thunderbird", "New info.\n\nOn 12/2/26 10:15 AM, SupportDesk wrote:\n> Your request was received." },
        // Outlook.
        { "outlook", "New info.\n\n-----Original Message-----\nFrom: SupportDesk <support@mail.supportdesk.test>\nSent: Wednesday, December 2, 2026 10:15 AM\nSubject: Your request" },
        { "outlook-rule", "New info.\n\n________________________________\nFrom: SupportDesk <support@mail.supportdesk.test>\nSent: Wednesday, December 2, 2026 10:15" },
        { "german", "New info.\n\nAm 02.12.2026 um 10:15 schrieb SupportDesk <support@mail.supportdesk.test>:\n> Ihre Anfrage" },
        { "french", "New info.\n\nLe 2 déc. 2026 à 10:15, SupportDesk <support@mail.supportdesk.test> a écrit :\n> Votre demande" },
        { "spanish", "New info.\n\nEl mié, 2 dic 2026 a las 10:15, SupportDesk (<support@mail.supportdesk.test>) escribió:\n> Su solicitud" },
        { "signature", "New info.\n\n-- \nCara Mailer\nHead of Printing" },
    };

    [Theory]
    [MemberData(nameof(QuotedReplies))]
    public async Task Quoted_history_and_signatures_are_left_out_of_the_text(string client, string body)
    {
        var mail = InboundMail.Message(InboundMail.NewAddress(client), $"Quoted {client}", body);

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        Assert.Equal("New info.", (await inbound.TicketAsync(row.TicketId!.Value)).Description);
    }

    [Fact]
    public async Task An_HTML_only_mail_becomes_plain_text_without_any_markup_or_script()
    {
        var mail = InboundMail.Message(InboundMail.NewAddress("html"), "HTML only", "");
        mail.Body = new TextPart("html")
        {
            Text = "<html><head><style>p{color:red}</style><script>alert(1)</script></head><body><p>Hello <b>team</b> &amp; friends,</p>"
                + "<p>the <a href=\"https://evil.test\" onclick=\"x()\">portal</a> is down.<br>Since 9:00.</p><img src=x onerror=alert(2)></body></html>",
        };

        await inbound.SendAsync(mail);

        var ticket = await inbound.TicketAsync((await inbound.WaitProcessedAsync(mail.MessageId)).TicketId!.Value);
        Assert.Equal("Hello team & friends,\nthe portal is down.\nSince 9:00.", ticket.Description);
    }

    [Fact]
    public async Task Quoted_printable_ISO_8859_1_decodes()
    {
        var ticket = await TicketFromRawAsync("""
            From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <juergen@example.test>
            To: support@mail.supportdesk.test
            Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?= qp-latin1
            Message-ID: <qp-latin1-{Guid.NewGuid():N}@example.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=ISO-8859-1
            Content-Transfer-Encoding: quoted-printable

            Sch=F6ne Gr=FC=DFe, der Drucker h=E4ngt.
            """, "qp-latin1");

        Assert.Equal(("Grüße aus Köln qp-latin1", "Schöne Grüße, der Drucker hängt."), (ticket.Title, ticket.Description));
    }

    [Fact]
    public async Task Base64_Windows_1252_and_ISO_2022_JP_decode()
    {
        var cp1252 = Convert.ToBase64String(CodePagesEncoding(1252).GetBytes("“Smart quotes” cost 5 €"));
        var win = await TicketFromRawAsync($"""
            From: buyer@example.test
            To: support@mail.supportdesk.test
            Subject: win1252-b64
            Message-ID: <w1252-{Guid.NewGuid():N}@example.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=windows-1252
            Content-Transfer-Encoding: base64

            {cp1252}
            """, "win1252-b64");
        Assert.Equal("“Smart quotes” cost 5 €", win.Description);

        var jis = CodePagesEncoding(50220);
        var subject = "=?ISO-2022-JP?B?" + Convert.ToBase64String(jis.GetBytes("日本語の件名")) + "?=";
        var japanese = await TicketFromRawAsync($"""
            From: tanaka@example.test
            To: support@mail.supportdesk.test
            Subject: {subject} jis-test
            Message-ID: <jis-{Guid.NewGuid():N}@example.test>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=ISO-2022-JP
            Content-Transfer-Encoding: 7bit

            {Encoding.Latin1.GetString(jis.GetBytes("プリンターが動きません。"))}
            """, "jis-test", Encoding.Latin1);
        Assert.Equal(("日本語の件名 jis-test", "プリンターが動きません。"), (japanese.Title, japanese.Description));
    }

    private static Encoding CodePagesEncoding(int codePage)
    {
        Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
        return Encoding.GetEncoding(codePage);
    }

    [Fact]
    public async Task Attachments_and_inline_images_become_files_and_parts_over_the_limits_are_left_out_with_a_note()
    {
        var builder = new BodyBuilder { TextBody = "Screenshots attached." };
        builder.HtmlBody = "<p>See <img src=\"cid:shot1\"></p>";
        var inline = builder.LinkedResources.Add("inline.png", AttachmentTestData.Png(), new ContentType("image", "png"));
        inline.ContentId = "shot1";
        builder.Attachments.Add("report.pdf", Encoding.ASCII.GetBytes("%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n"), new ContentType("application", "pdf"));
        builder.Attachments.Add("tool.exe", [0x4D, 0x5A, 0x90, 0x00, 0x03, 0x00, 0x00, 0x00], new ContentType("application", "octet-stream"));
        builder.Attachments.Add("huge.png", AttachmentTestData.Png(filler: 1_100_000), new ContentType("image", "png"));
        var mail = InboundMail.Message(InboundMail.NewAddress("files"), "With files", "");
        mail.Body = builder.ToMessageBody();

        await inbound.SendAsync(mail);

        var row = await inbound.WaitProcessedAsync(mail.MessageId);
        var ticket = await inbound.TicketAsync(row.TicketId!.Value);
        var files = await inbound.AttachmentsAsync(ticket.Id);
        Assert.Equal([("inline.png", "image/png"), ("report.pdf", "application/pdf")], files.Select(f => (f.FileName, f.ContentType)).Order());
        Assert.StartsWith("Screenshots attached.", ticket.Description);
        Assert.Matches(@"tool\.exe: \S+ is not an accepted type", ticket.Description);
        Assert.True(ticket.Description.Contains("huge.png: larger than 1048576 bytes", StringComparison.Ordinal), ticket.Description);
    }

    [Fact]
    public async Task A_file_the_virus_scanner_flags_is_left_out_with_a_note()
    {
        if (Environment.GetEnvironmentVariable("TEST_CLAMAV_HOST") is not { Length: > 0 })
            Assert.Fail("TEST_CLAMAV_HOST is not set: run the tests with scripts/test, which starts clamd.");
        var builder = new BodyBuilder { TextBody = "Harmless, honest." };
        builder.Attachments.Add("eicar.txt", Encoding.ASCII.GetBytes(@"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"), new ContentType("text", "plain"));
        var mail = InboundMail.Message(InboundMail.NewAddress("virus"), "Virus", "");
        mail.Body = builder.ToMessageBody();

        await inbound.SendAsync(mail);

        var ticket = await inbound.TicketAsync((await inbound.WaitProcessedAsync(mail.MessageId)).TicketId!.Value);
        Assert.Empty(await inbound.AttachmentsAsync(ticket.Id));
        Assert.Contains("eicar.txt: refused by the virus scanner", ticket.Description);
    }
}
